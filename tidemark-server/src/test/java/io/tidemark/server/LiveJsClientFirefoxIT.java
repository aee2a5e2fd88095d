package io.tidemark.server;

import io.tidemark.server.browser.Firefox;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every test of {@link LiveJsClientIT} in a real headless Firefox ESR (Debian's {@code firefox-esr}, driven over
 * WebDriver BiDi; see {@link Firefox}) instead of Chromium: the JavaScript live client's callback order, reconnect,
 * capabilities, typed values and big snapshots in the second engine the console supports.
 */
class LiveJsClientFirefoxIT extends LiveJsClientIT {

    /** Hides {@link LiveJsClientIT#start()}: the same server, Firefox instead of Chromium. */
    @BeforeAll
    static void start() {
        Firefox.assumeInstalled();
        startWith(Firefox::start);
    }
}
