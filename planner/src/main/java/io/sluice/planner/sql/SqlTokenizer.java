package io.sluice.planner.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A lexer just good enough to find MSQ clauses: words, quoted identifiers, strings, numbers and symbols. */
public final class SqlTokenizer {
    public enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, SYMBOL }

    /** A token spanning {@code [start, end)} of the text. */
    public record Token(Kind kind, String text, int start, int end) {
        public boolean isWord(String w) {
            return kind == Kind.WORD && text.equalsIgnoreCase(w);
        }

        public boolean isSymbol(String s) {
            return kind == Kind.SYMBOL && text.equals(s);
        }

        public String upper() {
            return text.toUpperCase(Locale.ROOT);
        }

        /** The identifier or string value (quotes removed, doubled quotes collapsed). */
        public String value() {
            return switch (kind) {
                case QUOTED_IDENT -> text.substring(1, text.length() - 1).replace("\"\"", "\"");
                case STRING -> text.substring(1, text.length() - 1).replace("''", "'");
                default -> text;
            };
        }
    }

    private SqlTokenizer() {}

    public static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n) {
                    if (s.charAt(j) == c) {
                        if (j + 1 < n && s.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                int end = Math.min(j + 1, n);
                out.add(new Token(c == '\'' ? Kind.STRING : Kind.QUOTED_IDENT, s.substring(i, end), i, end));
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '$')) {
                    j++;
                }
                out.add(new Token(Kind.WORD, s.substring(i, j), i, j));
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i + 1;
                while (j < n && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(new Token(Kind.NUMBER, s.substring(i, j), i, j));
                i = j;
            } else {
                int len = 1;
                if (i + 1 < n) {
                    String two = s.substring(i, i + 2);
                    if (two.equals("=>") || two.equals("<=") || two.equals(">=") || two.equals("<>") || two.equals("!=")
                            || two.equals("||")) {
                        len = 2;
                    }
                }
                out.add(new Token(Kind.SYMBOL, s.substring(i, i + len), i, i + len));
                i += len;
            }
        }
        return out;
    }

    /** Replaces {@code [start, end)} with spaces, keeping newlines so positions after it stay right. */
    public static void blank(StringBuilder sb, int start, int end) {
        for (int i = start; i < end; i++) {
            if (sb.charAt(i) != '\n' && sb.charAt(i) != '\r') {
                sb.setCharAt(i, ' ');
            }
        }
    }
}
