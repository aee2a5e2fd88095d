package io.tidemark.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions for errors a user can cause: a stable code, and a message that names what was wrong. */
final class TidemarkAssertions {
    private TidemarkAssertions() {}

    /** Asserts that {@code call} throws a TidemarkException with {@code code}, its message holding each fragment. */
    static TidemarkException assertFails(ThrowingCallable call, ErrorCode code, String... fragments) {
        TidemarkException e = catchThrowableOfType(TidemarkException.class, call);
        assertThat(e).as("expected a TidemarkException with code %s", code).isNotNull();
        assertThat(e.code()).as("error code of: %s", e.getMessage()).isEqualTo(code);
        if (fragments.length > 0) {
            assertThat(e.getMessage()).contains(fragments);
        }
        return e;
    }
}
