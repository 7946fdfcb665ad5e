package io.sluice.engine.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.fault.FaultException;
import org.junit.jupiter.api.Test;

class ParseErrorPolicyTest {
    private static ParseError error(int n) {
        return new ParseError("inline", n, n, "Unable to parse row [" + n + "] (Path: inline, Record: " + n
                + ", Line: " + n + ")");
    }

    @Test
    void zeroFailsOnFirstErrorWithCannotParseExternalData() {
        ParseErrorPolicy policy = new ParseErrorPolicy(0);
        assertThatThrownBy(() -> policy.onParseError(error(1)))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("CannotParseExternalData");
                    assertThat(e.fault().errorMessage()).isEqualTo(error(1).message());
                });
        assertThat(policy.count()).isEqualTo(1);
        assertThat(policy.samples()).containsExactly(error(1));
    }

    @Test
    void limitExceededIsTooManyWarnings() {
        ParseErrorPolicy policy = new ParseErrorPolicy(2);
        policy.onParseError(error(1));
        policy.onParseError(error(2));
        assertThatThrownBy(() -> policy.onParseError(error(3)))
                .isInstanceOfSatisfying(FaultException.class, e -> {
                    assertThat(e.fault().errorCode()).isEqualTo("TooManyWarnings");
                    assertThat(e.fault().fields()).containsEntry("rootErrorCode", "CannotParseExternalData")
                            .containsEntry("maxWarnings", 2L);
                });
        assertThat(policy.count()).isEqualTo(3);
    }

    @Test
    void unlimitedKeepsFiveSamples() {
        ParseErrorPolicy policy = new ParseErrorPolicy(-1);
        for (int i = 1; i <= 100; i++) {
            policy.onParseError(error(i));
        }
        assertThat(policy.count()).isEqualTo(100);
        assertThat(policy.samples()).containsExactly(error(1), error(2), error(3), error(4), error(5));
    }

    @Test
    void rejectsLimitsBelowMinusOne() {
        assertThatThrownBy(() -> new ParseErrorPolicy(-2)).isInstanceOf(IllegalArgumentException.class);
    }
}
