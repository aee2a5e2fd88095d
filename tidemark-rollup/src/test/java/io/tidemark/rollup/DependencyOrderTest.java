package io.tidemark.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.core.AggregateFunction;
import io.tidemark.core.ArchiveDefinition;
import io.tidemark.core.Column;
import io.tidemark.core.ColumnType;
import io.tidemark.core.RollupDefinition;
import io.tidemark.core.RollupId;
import io.tidemark.core.RollupPlan;
import io.tidemark.core.RollupStatus;
import io.tidemark.store.RollupInfo;
import io.tidemark.store.RollupState;
import java.util.List;
import org.junit.jupiter.api.Test;

class DependencyOrderTest {
    private static final ArchiveDefinition RAW = ArchiveDefinition.raw("raw", List.of(Column.of("v",
            ColumnType.DOUBLE)));

    @Test
    void sort_rollupsListedBeforeTheirSources_sourcesComeFirst() {
        RollupInfo minute = info("m1", RAW, "PT1M");
        RollupInfo hour = info("h1", minute.plan().target(), "PT1H");
        RollupInfo day = info("d1", hour.plan().target(), "P1D");

        List<RollupInfo> sorted = DependencyOrder.sort(List.of(day, hour, minute));

        assertThat(sorted).extracting(r -> r.plan().definition().name()).containsExactly("m1", "h1", "d1");
    }

    @Test
    void sort_independentRollups_keepsGivenOrder() {
        RollupInfo a = info("a", RAW, "PT1M");
        RollupInfo b = info("b", RAW, "PT1H");
        RollupInfo c = info("c", a.plan().target(), "PT5M");

        assertThat(DependencyOrder.sort(List.of(b, c, a))).extracting(r -> r.plan().definition().name())
                .containsExactly("b", "a", "c");
    }

    @Test
    void dependants_ofSource_onlyDirectReaders() {
        RollupInfo minute = info("m1", RAW, "PT1M");
        RollupInfo hour = info("h1", minute.plan().target(), "PT1H");
        RollupInfo day = info("d1", hour.plan().target(), "P1D");

        assertThat(DependencyOrder.dependants(List.of(minute, hour, day), "m1")).containsExactly(hour);
        assertThat(DependencyOrder.dependants(List.of(minute, hour, day), "d1")).isEmpty();
    }

    private static RollupInfo info(String name, ArchiveDefinition source, String bucket) {
        String column = source.isRollup() ? "s" : "v";
        RollupDefinition def = RollupDefinition.builder(name).source(source.name()).bucket(bucket)
                .aggregate(AggregateFunction.SUM, column, "s").build();
        RollupState state = new RollupState(RollupId.of("t", name), RollupStatus.ACTIVATED, false, null, 0, null,
                null);
        return new RollupInfo(RollupPlan.of(def, source), state);
    }
}
