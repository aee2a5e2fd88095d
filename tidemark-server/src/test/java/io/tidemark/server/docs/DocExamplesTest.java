package io.tidemark.server.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DocExamplesTest {
    private static final String PAGE = DocExamples.MARKER + "\n"
            + "```text\n./tidemark serve\n```\n"
            + "```\ncurl -s a\n# => {\"x\": 1}\ncurl -s b\ncurl -s c\n# => one\n# => two\n```\n"
            + "```properties\nhost = 0.0.0.0\n```\n"
            + "```sh\necho hi\n```\n";

    @Test
    void steps_unlabelledAndShellBlocksRun_othersNot_expectationsEndSteps() {
        List<DocExamples.Step> steps = DocExamples.steps("p.md", PAGE);
        assertThat(steps).extracting(DocExamples.Step::script)
                .containsExactly("curl -s a\n", "curl -s b\ncurl -s c\n", "echo hi\n");
        assertThat(steps).extracting(DocExamples.Step::expected)
                .containsExactly(List.of("{\"x\": 1}"), List.of("one", "two"), List.of());
        assertThat(steps).extracting(DocExamples.Step::line).containsExactly(6, 8, 17);
    }

    @Test
    void steps_endMarker_blocksBelowItDoNotRun() {
        String page = PAGE + "<!-- docs-test: end (the blocks below run elsewhere) -->\n```sh\necho later\n```\n";
        assertThat(DocExamples.steps("p.md", page)).extracting(DocExamples.Step::script)
                .containsExactly("curl -s a\n", "curl -s b\ncurl -s c\n", "echo hi\n");
    }

    @Test
    void runnable_onlyWithTheMarker() {
        assertThat(DocExamples.runnable(PAGE)).isTrue();
        assertThat(DocExamples.runnable("```\ncurl a\n```\n")).isFalse();
    }
}
