package io.tidemark.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The primitives of the record encoding: unsigned LEB128 varints, zigzag for signed values, fixed little-endian
 * longs, length-prefixed UTF-8. {@link Out} grows as it is written; {@link In} reads a byte range and throws
 * {@link IllegalArgumentException} on anything that runs past it, so a truncated value never decodes into rows.
 */
final class Wire {
    private Wire() {}

    /** A growing byte buffer. Not thread-safe. */
    static final class Out {
        private byte[] buf;
        private int len;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        int length() {
            return len;
        }

        byte[] toBytes() {
            return Arrays.copyOf(buf, len);
        }

        private void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }

        void u8(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        void bytes(byte[] b, int off, int n) {
            ensure(n);
            System.arraycopy(b, off, buf, len, n);
            len += n;
        }

        /** An unsigned varint (a non-negative count, index or length). */
        void uvar(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
        }

        /** A signed varint, zigzag-encoded: small magnitudes of either sign take few bytes. */
        void svar(long v) {
            uvar((v << 1) ^ (v >> 63));
        }

        void fixed64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) {
                buf[len++] = (byte) (v >>> (8 * i));
            }
        }

        /**
         * Length-prefixed UTF-8.
         *
         * @throws IllegalArgumentException for a lone surrogate, which UTF-8 cannot carry (it would come back as
         *     {@code ?})
         */
        void string(String s) {
            requireUnicode(s);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            uvar(b.length);
            bytes(b, 0, b.length);
        }
    }

    private static void requireUnicode(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            throw new IllegalArgumentException("text holds a lone surrogate (U+" + Integer.toHexString(c)
                    + ") at index " + i + ", which is not Unicode text");
        }
    }

    /** A reader over {@code buf[from, to)}. Not thread-safe. */
    static final class In {
        private final byte[] buf;
        private final int end;
        private int pos;

        In(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
        }

        int position() {
            return pos;
        }

        boolean atEnd() {
            return pos == end;
        }

        private void need(int n) {
            if (n < 0 || end - pos < n) {
                throw new IllegalArgumentException("value ends early: " + n + " more bytes needed at byte " + pos
                        + ", " + (end - pos) + " left");
            }
        }

        int u8() {
            need(1);
            return buf[pos++] & 0xFF;
        }

        /** {@code n} bytes as a new array. */
        byte[] bytes(int n) {
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        void skip(int n) {
            need(n);
            pos += n;
        }

        long uvar() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + pos);
        }

        /** An unsigned varint that must fit a non-negative int no larger than {@code max}. */
        int count(int max, String what) {
            long v = uvar();
            if (v < 0 || v > max) {
                throw new IllegalArgumentException(what + " " + Long.toUnsignedString(v) + " is out of range [0, "
                        + max + "]");
            }
            return (int) v;
        }

        long svar() {
            long v = uvar();
            return (v >>> 1) ^ -(v & 1);
        }

        long fixed64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v |= (buf[pos++] & 0xFFL) << (8 * i);
            }
            return v;
        }

        String string() {
            int n = count(Integer.MAX_VALUE, "string length");
            need(n);
            String s = new String(buf, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        /** Bytes left; an upper bound for any count read next, so a corrupt count cannot allocate gigabytes. */
        int remaining() {
            return end - pos;
        }
    }
}
