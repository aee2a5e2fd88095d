package io.tidemark.server.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicTemplateTest {

    @Test
    void parse_variables_becomePlusInTheFilterInTopicOrder() {
        TopicTemplate t = TopicTemplate.parse("plant/{site}/{device}/data");
        assertThat(t.filter()).isEqualTo("plant/+/+/data");
        assertThat(t.variables()).containsExactly("site", "device");
        assertThat(t.text()).isEqualTo("plant/{site}/{device}/data");
    }

    @Test
    void parse_plainFilter_keptAsItIs() {
        assertThat(TopicTemplate.parse("plant/+/#").filter()).isEqualTo("plant/+/#");
        assertThat(TopicTemplate.parse("plant/+/#").variables()).isEmpty();
        assertThat(TopicTemplate.parse("#").filter()).isEqualTo("#");
    }

    @Test
    void match_matchingTopic_variablesValues() {
        TopicTemplate t = TopicTemplate.parse("plant/{site}/{device}/data");
        assertThat(t.match("plant/north/d1/data")).containsExactly(Map.entry("site", "north"),
                Map.entry("device", "d1"));
    }

    @Test
    void match_emptyLevel_emptyValue() {
        assertThat(TopicTemplate.parse("plant/{site}/data").match("plant//data")).containsEntry("site", "");
    }

    @Test
    void match_otherLiteralOrLevelCount_null() {
        TopicTemplate t = TopicTemplate.parse("plant/{site}/{device}/data");
        assertThat(t.match("plant/north/d1/status")).isNull();
        assertThat(t.match("factory/north/d1/data")).isNull();
        assertThat(t.match("plant/north/data")).isNull();
        assertThat(t.match("plant/north/d1/data/extra")).isNull();
    }

    @Test
    void match_anonymousPlus_anyLevelNoVariable() {
        TopicTemplate t = TopicTemplate.parse("plant/+/{device}");
        assertThat(t.match("plant/x/d2")).containsExactly(Map.entry("device", "d2"));
        assertThat(t.match("plant/x")).isNull();
    }

    @Test
    void match_trailingHash_zeroOrMoreLevels() {
        TopicTemplate t = TopicTemplate.parse("plant/{site}/#");
        assertThat(t.match("plant/north")).containsEntry("site", "north");
        assertThat(t.match("plant/north/a/b/c")).containsEntry("site", "north");
        assertThat(t.match("other/north/a")).isNull();
    }

    @Test
    void match_hashAlone_everythingButDollarTopics() {
        TopicTemplate t = TopicTemplate.parse("#");
        assertThat(t.match("a/b")).isEmpty();
        assertThat(t.match("$SYS/broker/uptime")).isNull();
    }

    @Test
    void parse_variableNotAWholeLevel_refusedSayingSo() {
        assertThatThrownBy(() -> TopicTemplate.parse("plant/site-{site}/data"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole topic level");
    }

    @Test
    void parse_badVariableName_refused() {
        assertThatThrownBy(() -> TopicTemplate.parse("plant/{Site}")).hasMessageContaining("variable's name");
        assertThatThrownBy(() -> TopicTemplate.parse("plant/{}")).hasMessageContaining("variable's name");
    }

    @Test
    void parse_repeatedVariable_refused() {
        assertThatThrownBy(() -> TopicTemplate.parse("{a}/x/{a}")).hasMessageContaining("{a} appears twice");
    }

    @Test
    void parse_hashNotLast_refused() {
        assertThatThrownBy(() -> TopicTemplate.parse("plant/#/data")).hasMessageContaining("last level");
    }

    @Test
    void parse_wildcardMixedWithText_refused() {
        assertThatThrownBy(() -> TopicTemplate.parse("plant/a+/data")).hasMessageContaining("stand alone");
        assertThatThrownBy(() -> TopicTemplate.parse("plant/a#")).hasMessageContaining("stand alone");
    }

    @Test
    void parse_emptyOrNull_refused() {
        assertThatThrownBy(() -> TopicTemplate.parse("")).hasMessageContaining("required");
        assertThatThrownBy(() -> TopicTemplate.parse(null)).hasMessageContaining("required");
    }
}
