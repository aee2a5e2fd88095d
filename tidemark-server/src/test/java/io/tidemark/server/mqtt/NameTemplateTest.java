package io.tidemark.server.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NameTemplateTest {

    @Test
    void apply_literal_itself() {
        NameTemplate t = NameTemplate.parse("archive", "boiler");
        assertThat(t.variables()).isEmpty();
        assertThat(t.apply(Map.of("site", "north"))).isEqualTo("boiler");
    }

    @Test
    void apply_variablesAndText_substituted() {
        NameTemplate t = NameTemplate.parse("rt-id", "{site}.{device}");
        assertThat(t.variables()).containsExactly("site", "device");
        assertThat(t.apply(Map.of("site", "north", "device", "d1"))).isEqualTo("north.d1");
        assertThat(NameTemplate.parse("archive", "plant_{site}").apply(Map.of("site", "n"))).isEqualTo("plant_n");
    }

    @Test
    void apply_missingValue_empty() {
        assertThat(NameTemplate.parse("rt-id", "{group}/{node}/{device}").apply(Map.of("group", "g", "node", "n")))
                .isEqualTo("g/n/");
    }

    @Test
    void parse_unbalancedBracesOrBadName_refusedNamingTheKey() {
        assertThatThrownBy(() -> NameTemplate.parse("archive", "{site")).hasMessageContaining("archive")
                .hasMessageContaining("without '}'");
        assertThatThrownBy(() -> NameTemplate.parse("archive", "site}")).hasMessageContaining("without '{'");
        assertThatThrownBy(() -> NameTemplate.parse("archive", "{Site}")).hasMessageContaining("not a variable name");
        assertThatThrownBy(() -> NameTemplate.parse("archive", "")).hasMessageContaining("empty");
    }
}
