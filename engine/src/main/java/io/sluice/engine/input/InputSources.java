package io.sluice.engine.input;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.engine.fault.FaultException;
import io.sluice.engine.fault.Faults;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Druid {@code inputSource} objects ({@code local}, {@code http}, {@code inline}): validation and splitting into
 * one {@link InputSplit} per file, URI or inline blob.
 */
public final class InputSources {
    static final List<String> KNOWN_TYPES = List.of("http", "inline", "local");

    private InputSources() {}

    /**
     * Checks an input source the way Druid's deserialisation does.
     *
     * @throws IllegalArgumentException with a Druid-like reason
     */
    public static void validate(ObjectNode inputSource) {
        String type = typeOf(inputSource);
        switch (type) {
            case "local" -> validateLocal(inputSource);
            case "http" -> validateHttp(inputSource);
            case "inline" -> validateInline(inputSource);
            default -> throw new IllegalArgumentException("Could not resolve type id '" + type
                    + "' as a subtype of InputSource known type ids = " + KNOWN_TYPES);
        }
    }

    /**
     * Lists the work units of an input source. {@code local}: files under {@code baseDir} (recursively) whose name
     * matches the {@code filter} wildcard, plus the explicit {@code files}; sorted by path, empty files skipped.
     * {@code http}: one split per URI. {@code inline}: one split.
     *
     * @throws IllegalArgumentException if the source is invalid
     * @throws FaultException ({@code UnknownError}) if a baseDir or an explicit file does not exist
     */
    public static List<InputSplit> split(ObjectNode inputSource) {
        validate(inputSource);
        return switch (typeOf(inputSource)) {
            case "local" -> splitLocal(inputSource);
            case "http" -> splitHttp(inputSource);
            case "inline" -> List.of(new InputSplit(
                    inputSource.deepCopy(),
                    "inline",
                    inputSource.get("data").asText().getBytes(StandardCharsets.UTF_8).length));
            default -> throw new IllegalStateException("unreachable");
        };
    }

    static String typeOf(ObjectNode node) {
        JsonNode t = node.get("type");
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException(
                    "Could not resolve subtype of InputSource: missing type id property 'type'");
        }
        if (!t.isTextual()) {
            throw new IllegalArgumentException("Could not resolve type id '" + t
                    + "' as a subtype of InputSource known type ids = " + KNOWN_TYPES);
        }
        return t.asText();
    }

    private static String text(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("Field [" + field + "] must be a string, got " + v);
        }
        return v.asText();
    }

    private static List<String> textList(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("Field [" + field + "] must be an array of strings, got " + v);
        }
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException("Field [" + field + "] must be an array of strings, got " + v);
            }
            out.add(e.asText());
        }
        return out;
    }

    private static void validateLocal(ObjectNode src) {
        String baseDir = text(src, "baseDir");
        String filter = text(src, "filter");
        List<String> files = textList(src, "files");
        if (baseDir == null && files.isEmpty()) {
            throw new IllegalArgumentException("At least one of baseDir or files must be specified");
        }
        if (baseDir != null && (filter == null || filter.isEmpty())) {
            throw new IllegalArgumentException("filter must be specified when baseDir is specified");
        }
    }

    private static void validateHttp(ObjectNode src) {
        List<String> uris = textList(src, "uris");
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("uris cannot be null or empty");
        }
        for (String u : uris) {
            URI uri;
            try {
                uri = new URI(u);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Invalid URI [" + u + "]: " + e.getMessage());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("Only [http, https] protocols are allowed");
            }
        }
        HttpReader.password(src); // validates the password provider shape
    }

    private static void validateInline(ObjectNode src) {
        String data = text(src, "data");
        if (data == null || data.isEmpty()) {
            throw new IllegalArgumentException("data cannot be null or empty");
        }
    }

    private static List<InputSplit> splitHttp(ObjectNode src) {
        List<InputSplit> out = new ArrayList<>();
        for (String uri : textList(src, "uris")) {
            ObjectNode one = src.deepCopy();
            one.putArray("uris").add(uri);
            out.add(new InputSplit(one, uri, -1));
        }
        return out;
    }

    private static List<InputSplit> splitLocal(ObjectNode src) {
        TreeMap<Path, Long> found = new TreeMap<>();
        String baseDir = text(src, "baseDir");
        if (baseDir != null) {
            Path base = Path.of(baseDir).toAbsolutePath().normalize();
            if (!Files.isDirectory(base)) {
                throw new FaultException(Faults.unknownError("Input baseDir [" + base + "] does not exist or is not"
                        + " a directory"));
            }
            Wildcard filter = new Wildcard(text(src, "filter"));
            try {
                Files.walkFileTree(base, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                        new SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                                if (attrs.isRegularFile() && filter.matches(file.getFileName().toString())) {
                                    found.put(file, attrs.size());
                                }
                                return FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                                return FileVisitResult.CONTINUE; // unreadable entries and symlink loops
                            }
                        });
            } catch (IOException e) {
                throw new FaultException(Faults.unknownError("Failed to list baseDir [" + base + "]: "
                        + e.getMessage()), e);
            }
        }
        for (String f : textList(src, "files")) {
            Path p = Path.of(f).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new FaultException(Faults.unknownError("Input file [" + p + "] does not exist or is not a"
                        + " regular file"));
            }
            try {
                found.put(p, Files.size(p));
            } catch (IOException e) {
                throw new FaultException(Faults.unknownError("Failed to read [" + p + "]: " + e.getMessage()), e);
            }
        }
        List<InputSplit> out = new ArrayList<>(found.size());
        found.forEach((path, size) -> {
            if (size > 0) {
                ObjectNode one = JsonNodeFactory.instance.objectNode();
                one.put("type", "local");
                one.putArray("files").add(path.toString());
                if (src.hasNonNull("systemFields")) {
                    one.set("systemFields", src.get("systemFields").deepCopy());
                }
                out.add(new InputSplit(one, new File(path.toString()).toURI().toString(), size));
            }
        });
        return out;
    }

    /** Druid's {@code filter}: a file-name wildcard with {@code *} (any run) and {@code ?} (one character). */
    static final class Wildcard {
        private final String pattern;

        Wildcard(String pattern) {
            this.pattern = pattern;
        }

        boolean matches(String name) {
            int p = 0;
            int n = 0;
            int starP = -1;
            int starN = 0;
            while (n < name.length()) {
                if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == name.charAt(n))) {
                    p++;
                    n++;
                } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                    starP = p++;
                    starN = n;
                } else if (starP >= 0) {
                    p = starP + 1;
                    n = ++starN;
                } else {
                    return false;
                }
            }
            while (p < pattern.length() && pattern.charAt(p) == '*') {
                p++;
            }
            return p == pattern.length();
        }
    }
}
