package byot.stream.connectors.format;

import byot.stream.connectors.format.MalformedRecordException.Reason;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads big-endian fields, checking every length against what is left before allocating anything. */
final class WireReader {
    private final ByteBuffer buf;
    private final String format;

    WireReader(byte[] bytes, String format) {
        this.buf = ByteBuffer.wrap(bytes);
        this.format = format;
    }

    int position() {
        return buf.position();
    }

    int remaining() {
        return buf.remaining();
    }

    private void need(int bytes, String field) throws MalformedRecordException {
        if (buf.remaining() < bytes) {
            throw new MalformedRecordException(Reason.TRUNCATED, format + " ends at byte " + buf.limit()
                    + ", inside " + field + " (needs " + bytes + " bytes at offset " + buf.position() + ")");
        }
    }

    int u8(String field) throws MalformedRecordException {
        need(1, field);
        return buf.get() & 0xff;
    }

    int u16(String field) throws MalformedRecordException {
        need(2, field);
        return buf.getShort() & 0xffff;
    }

    int i32(String field) throws MalformedRecordException {
        need(4, field);
        return buf.getInt();
    }

    long i64(String field) throws MalformedRecordException {
        need(8, field);
        return buf.getLong();
    }

    byte[] bytes(int length, String field) throws MalformedRecordException {
        need(length, field);
        byte[] out = new byte[length];
        buf.get(out);
        return out;
    }

    /** A uint16 length then that many bytes of strict UTF-8. */
    String string(String field, int maxBytes, boolean allowEmpty) throws MalformedRecordException {
        int length = u16(field + " length");
        if (length > maxBytes) {
            throw new MalformedRecordException(Reason.OVERSIZED, field + " is " + length + " bytes, cap " + maxBytes);
        }
        if (length == 0 && !allowEmpty) {
            throw new MalformedRecordException(Reason.BAD_STRING, field + " is empty");
        }
        need(length, field);
        ByteBuffer slice = buf.slice(buf.position(), length);
        buf.position(buf.position() + length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(slice);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new MalformedRecordException(Reason.BAD_STRING, field + " is not valid UTF-8");
        }
    }

    void expectEnd() throws MalformedRecordException {
        if (buf.hasRemaining()) {
            throw new MalformedRecordException(Reason.TRAILING_BYTES, buf.remaining() + " bytes after the last field of "
                    + format + " (offset " + buf.position() + ")");
        }
    }
}
