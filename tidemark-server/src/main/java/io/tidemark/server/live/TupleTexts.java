package io.tidemark.server.live;

import io.tidemark.live.Tuple;
import io.tidemark.protocol.FrameCodec;

/**
 * The wire text of result rows ({@link FrameCodec#tupleBody}), encoded once and shared by every socket. The engine
 * hands the same {@link Tuple} instance to every subscriber of a query in a generation, so a socket looks the row
 * up by identity: with 1,000 connections on one query, a changed row is encoded once instead of 1,000 times.
 *
 * <p>A direct-mapped table of {@code size} slots keyed by identity hash: a lookup that finds another row in its slot
 * encodes and takes the slot over, so memory stays bounded (the table and the rows it references) and a collision
 * costs an encode, never a wrong answer.
 *
 * <p>Thread-safe without locks: slots are written racily, but an {@link Entry} has only final fields, so a reader
 * sees either a complete entry or an older one, and checks its row by identity before using its text.
 */
final class TupleTexts {
    private final Entry[] slots;
    private final int mask;

    /** {@code size} is rounded up to a power of two. */
    TupleTexts(int size) {
        int n = Integer.highestOneBit(Math.max(2, size - 1)) << 1;
        this.slots = new Entry[n];
        this.mask = n - 1;
    }

    /** The row's {@code "key":[…],"values":[…]} text. */
    String of(Tuple t) {
        int i = System.identityHashCode(t) & mask;
        Entry e = slots[i];
        if (e != null && e.tuple == t) {
            return e.text;
        }
        String text = FrameCodec.tupleBody(t.key(), t.values());
        slots[i] = new Entry(t, text);
        return text;
    }

    private static final class Entry {
        final Tuple tuple;
        final String text;

        Entry(Tuple tuple, String text) {
            this.tuple = tuple;
            this.text = text;
        }
    }
}
