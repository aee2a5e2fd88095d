package io.tidemark.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidemark.live.Tuple;
import io.tidemark.protocol.FrameCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TupleTextsTest {

    @Test
    void of_manyMoreRowsThanSlots_eachGetsItsOwnText() {
        TupleTexts texts = new TupleTexts(4);
        List<Tuple> rows = new ArrayList<>();
        for (long i = 0; i < 200; i++) {
            rows.add(new Tuple(List.of("s" + i), List.of("s" + i, i, i / 4.0)));
        }
        for (int round = 0; round < 3; round++) {
            for (Tuple t : rows) {
                assertThat(texts.of(t)).isEqualTo(FrameCodec.tupleBody(t.key(), t.values()));
            }
        }
    }

    @Test
    void of_sameInstance_returnsTheSharedText() {
        TupleTexts texts = new TupleTexts(1_024);
        Tuple t = new Tuple(List.of("a"), List.of("a", 1.5));
        assertThat(texts.of(t)).isSameAs(texts.of(t));
    }

    @Test
    void of_sameKeyNewValues_isNotConfused() {
        TupleTexts texts = new TupleTexts(2);
        Tuple before = new Tuple(List.of("a"), List.of("a", 1.5));
        Tuple after = new Tuple(List.of("a"), List.of("a", 2.5));
        assertThat(texts.of(before)).contains("1.5");
        assertThat(texts.of(after)).contains("2.5");
        assertThat(texts.of(before)).contains("1.5");
    }
}
