package byot.stream.model.io;

import byot.stream.model.MultiExitModel;
import byot.stream.model.exit.CalibratedExits;
import byot.stream.model.exit.ExitCriterion;
import byot.stream.model.graph.LayerWeights;
import byot.stream.model.graph.Parameters;
import byot.stream.model.input.InputAlignment;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.HeadDesign;
import byot.stream.model.spec.InputShape;
import byot.stream.model.spec.ModelSpec;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * One self-describing file per model, readable without Java serialization:
 * <pre>
 *   "BYOTMODL"        8 bytes  magic
 *   format version    u16      big-endian, currently 1
 *   header length     u32      big-endian
 *   header            JSON, UTF-8: spec, model version, step, seed, created-at, tensor index
 *   tensor data       float32 little-endian, C order, in index order
 *   SHA-256           32 bytes over everything before it
 * </pre>
 * Optimizer state is included on request, so a fine-tuner can resume exactly where it stopped.
 * docs/model.md documents the layout with an example header.
 */
public final class ModelFile {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "BYOTMODL".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX = MAGIC.length + 2 + 4;
    private static final int DIGEST = 32;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** @param heads the shallow heads' design; absent (null) for the paper's bottleneck, so such files read as before */
    record SpecJson(String architecture, int channels, int height, int width, int numClasses,
                    double widthMultiplier, float pixelMean, float pixelStd, double dropout, String heads) {}

    record TensorJson(String name, String kind, long[] shape, long offset, long length) {}

    /** Optional: thresholds a learner calibrated for this version; readers that do not know the field ignore it. */
    record ExitPolicyJson(String criterion, double[] thresholds, boolean[] trusted) {}

    /** Optional: the photometric alignment inference applies before this version (reference domain first). */
    record InputAlignmentJson(List<InputAlignment.Domain> domains) {}

    record Header(SpecJson spec, long modelVersion, long step, long seed, long createdAtMillis, List<TensorJson> tensors,
                  ExitPolicyJson exitPolicy, InputAlignmentJson inputAlignment) {}

    private ModelFile() {
    }

    public static byte[] toBytes(MultiExitModel model, boolean withOptimizerState) {
        return toBytes(model, withOptimizerState, null);
    }

    /** As above, with the early-exit thresholds calibrated for this version in the header ({@code null}: none). */
    public static byte[] toBytes(MultiExitModel model, boolean withOptimizerState, CalibratedExits calibration) {
        return toBytes(model, withOptimizerState, calibration, null);
    }

    /** As above, with the input alignment inference applies before this version ({@code null}: none). */
    public static byte[] toBytes(MultiExitModel model, boolean withOptimizerState, CalibratedExits calibration,
                                 InputAlignment alignment) {
        ModelSpec s = model.spec();
        SpecJson spec = new SpecJson(s.architecture().id(), s.input().channels(), s.input().height(), s.input().width(),
                s.numClasses(), s.widthMultiplier(), s.pixelMean(), s.pixelStd(), s.dropout(),
                s.heads() == HeadDesign.BOTTLENECK ? null : s.heads().id());
        List<TensorJson> index = new ArrayList<>();
        List<INDArray> arrays = new ArrayList<>();
        long offset = 0;
        for (Parameters.Kind kind : Parameters.Kind.values()) {
            if (kind == Parameters.Kind.OPTIMIZER && !withOptimizerState) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : model.parameters().view(kind).entrySet()) {
                long bytes = e.getValue().length() * Float.BYTES;
                index.add(new TensorJson(e.getKey(), kind.name(), e.getValue().shape(), offset, bytes));
                arrays.add(e.getValue());
                offset += bytes;
            }
        }
        Header header = new Header(spec, model.version(), model.step(), model.parameters().seed(),
                System.currentTimeMillis(), index, exitPolicy(calibration), alignment == null ? null : new InputAlignmentJson(alignment.domains()));
        try {
            byte[] headerBytes = JSON.writeValueAsBytes(header);
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(PREFIX + headerBytes.length + offset + DIGEST));
            out.put(MAGIC).putShort((short) FORMAT_VERSION).putInt(headerBytes.length).put(headerBytes);
            out.order(ByteOrder.LITTLE_ENDIAN);
            for (INDArray a : arrays) {
                putFloats(out, a);
            }
            out.put(sha256(out.array(), out.position()));
            return out.array();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode model header", e);
        }
    }

    /**
     * The same weights as {@code payload} (a model file) under another version, with the given calibration and input
     * alignment in the header: the tensors are copied as they are, not decoded. For a learner that re-serves the
     * weights it last published with a new alignment, without waiting for the weights it is training.
     */
    public static byte[] republished(byte[] payload, long version, CalibratedExits calibration, InputAlignment alignment)
            throws ModelFormatException {
        Header old = header(payload);
        int oldHeaderLength = ByteBuffer.wrap(payload, MAGIC.length + 2, 4).getInt();
        int tensorsFrom = PREFIX + oldHeaderLength;
        int tensorsLength = payload.length - DIGEST - tensorsFrom;
        Header header = new Header(old.spec(), version, old.step(), old.seed(), System.currentTimeMillis(), old.tensors(),
                exitPolicy(calibration), alignment == null ? null : new InputAlignmentJson(alignment.domains()));
        try {
            byte[] headerBytes = JSON.writeValueAsBytes(header);
            ByteBuffer out = ByteBuffer.allocate(PREFIX + headerBytes.length + tensorsLength + DIGEST);
            out.put(MAGIC).putShort((short) FORMAT_VERSION).putInt(headerBytes.length).put(headerBytes);
            out.put(payload, tensorsFrom, tensorsLength);
            out.put(sha256(out.array(), out.position()));
            return out.array();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode model header", e);
        }
    }

    private static ExitPolicyJson exitPolicy(CalibratedExits calibration) {
        return calibration == null ? null : new ExitPolicyJson(
                calibration.criterion().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                calibration.thresholds(), calibration.trusted());
    }

    /**
     * Decodes a model, working out anew which tensors its spec needs (about 45 ms for ResNet18 ×0.25). A consumer
     * that decodes many versions of a model passes its own {@link RequiredTensors} instead.
     */
    public static MultiExitModel fromBytes(byte[] bytes) throws ModelFormatException {
        return fromBytes(bytes, new RequiredTensors(0));
    }

    /**
     * The spec a model file describes, from its header alone (checked like a full decode, but no tensor is read):
     * for callers that need the network's shape, not its weights.
     */
    public static ModelSpec spec(byte[] bytes) throws ModelFormatException {
        return toSpec(header(bytes).spec());
    }

    /**
     * The early-exit thresholds a learner calibrated for this model file, if it wrote any. Checked like a full
     * decode; a calibration that does not fit the spec (one per shallow exit) or names an unknown criterion is a
     * format error.
     */
    public static java.util.Optional<CalibratedExits> calibration(byte[] bytes) throws ModelFormatException {
        Header header = header(bytes);
        ExitPolicyJson p = header.exitPolicy();
        if (p == null) {
            return java.util.Optional.empty();
        }
        int shallow = toSpec(header.spec()).sections() - 1;
        if (p.thresholds() == null || p.trusted() == null || p.thresholds().length != shallow || p.criterion() == null) {
            throw new ModelFormatException("exitPolicy in the model header needs a criterion and " + shallow
                    + " thresholds and trust flags (one per shallow exit)");
        }
        try {
            return java.util.Optional.of(new CalibratedExits(ExitCriterion.fromId(p.criterion()), p.thresholds(), p.trusted()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("exitPolicy in the model header: " + e.getMessage(), e);
        }
    }

    /**
     * The input alignment a learner published with this model file, if any. Checked like a full decode; domains
     * that are not finite, have no spread or a zero gain, or a first domain that maps pixels, are a format error.
     */
    public static java.util.Optional<InputAlignment> inputAlignment(byte[] bytes) throws ModelFormatException {
        InputAlignmentJson a = header(bytes).inputAlignment();
        if (a == null) {
            return java.util.Optional.empty();
        }
        try {
            if (a.domains() == null || a.domains().contains(null)) {
                throw new IllegalArgumentException("domains missing");
            }
            return java.util.Optional.of(new InputAlignment(a.domains()));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("inputAlignment in the model header: " + e.getMessage(), e);
        }
    }

    /** Magic, format version, checksum and the JSON header of a model file. */
    private static Header header(byte[] bytes) throws ModelFormatException {
        if (bytes.length < PREFIX + DIGEST) {
            throw new ModelFormatException("model payload too short (" + bytes.length + " bytes): truncated or not a model file");
        }
        if (!Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new ModelFormatException("not a byot model file (bad magic)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(MAGIC.length);
        int version = Short.toUnsignedInt(in.getShort());
        if (version != FORMAT_VERSION) {
            throw new ModelFormatException("unsupported model file format version " + version
                    + " (this build reads version " + FORMAT_VERSION + ")");
        }
        int body = bytes.length - DIGEST;
        byte[] expected = Arrays.copyOfRange(bytes, body, bytes.length);
        if (!MessageDigest.isEqual(expected, sha256(bytes, body))) {
            throw new ModelFormatException("model file checksum mismatch: the file is truncated or corrupted");
        }
        long headerLength = Integer.toUnsignedLong(in.getInt());
        if (PREFIX + headerLength > body) {
            throw new ModelFormatException("model header length " + headerLength + " runs past the end of the file");
        }
        try {
            return JSON.readValue(bytes, PREFIX, (int) headerLength, Header.class);
        } catch (IOException e) {
            throw new ModelFormatException("model header is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Decodes a model, with what {@code requiredTensors} remembers about the specs it has seen. */
    public static MultiExitModel fromBytes(byte[] bytes, RequiredTensors requiredTensors) throws ModelFormatException {
        Header header = header(bytes);
        int body = bytes.length - DIGEST;
        int headerLength = ByteBuffer.wrap(bytes, MAGIC.length + 2, 4).getInt();
        ModelSpec spec = toSpec(header.spec());
        Parameters params = new Parameters(header.seed());
        int dataStart = PREFIX + headerLength;
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, body - dataStart).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (header.tensors() == null) {
            throw new ModelFormatException("the header lists no tensors");
        }
        for (TensorJson t : header.tensors()) {
            if (t == null || t.name() == null || t.shape() == null) {
                throw new ModelFormatException("a tensor entry lacks its name or shape");
            }
            Parameters.Kind kind = kind(t);
            INDArray tensor = readTensor(data, t);
            // Finite but negative is as unusable as NaN, and only a damaged or forged file holds one (a running
            // variance averages batch variances): refused here, every reader is covered, not each caller's check.
            if (kind == Parameters.Kind.RUNNING_STAT && LayerWeights.isRunningVariance(t.name())
                    && BooleanIndexing.or(tensor, Conditions.lessThan(0))) {
                throw new ModelFormatException("tensor " + t.name() + " is a batch-norm running variance and holds a negative value");
            }
            params.put(kind, t.name(), tensor);
        }
        checkComplete(spec, params, requiredTensors);
        return new MultiExitModel(spec, params, header.step(), header.modelVersion());
    }

    public static void save(MultiExitModel model, Path file, boolean withOptimizerState) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, toBytes(model, withOptimizerState));
            // Readers never see a half-written model.
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            // Gone after the move; after a failed write (a full disk) it would be a stray file of many MB.
            Files.deleteIfExists(tmp);
        }
    }

    public static MultiExitModel load(Path file) throws IOException {
        return load(file, new RequiredTensors(0));
    }

    /** Loads a model file, with what {@code requiredTensors} remembers about the specs it has seen. */
    public static MultiExitModel load(Path file, RequiredTensors requiredTensors) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        try {
            return fromBytes(Files.readAllBytes(file), requiredTensors);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /** Hex SHA-256 of a payload: how a model version is identified in logs, metrics and tests. */
    public static String checksum(byte[] payload) {
        return HexFormat.of().formatHex(sha256(payload, payload.length));
    }

    /** Digest of the weights and running statistics only: equal for two models that compute the same function. */
    public static String weightsChecksum(MultiExitModel model) {
        // Fed tensor by tensor through one buffer: a checkpoint computes it, and a copy of the whole model per call
        // was garbage that the inference thread beside it paid for in collector pauses.
        MessageDigest digest = sha256();
        ByteBuffer buffer = ByteBuffer.allocate(0);
        for (Parameters.Kind kind : List.of(Parameters.Kind.WEIGHT, Parameters.Kind.RUNNING_STAT)) {
            for (Map.Entry<String, INDArray> e : model.parameters().view(kind).entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                int bytes = Math.toIntExact(e.getValue().length() * Float.BYTES);
                if (buffer.capacity() < bytes) {
                    buffer = ByteBuffer.allocate(bytes);
                }
                buffer.clear().order(ByteOrder.LITTLE_ENDIAN);
                putFloats(buffer, e.getValue());
                digest.update(buffer.array(), 0, bytes);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The tensor's values in C order, in the buffer's byte order (little-endian in files). A float tensor laid out
     * contiguously in C order (parameters are) is copied straight from its native memory; anything else through a
     * C-ordered copy.
     */
    static void putFloats(ByteBuffer out, INDArray array) {
        INDArray c = array.dataType() == DataType.FLOAT && array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array)
                ? array : array.castTo(DataType.FLOAT).dup('c');
        int n = Math.toIntExact(c.length());
        ByteBuffer memory = c.data().asNio().order(ByteOrder.nativeOrder());
        memory.position(Math.toIntExact(c.offset() * Float.BYTES)).limit(memory.position() + n * Float.BYTES);
        FloatBuffer source = memory.slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
        out.slice().order(out.order()).asFloatBuffer().put(source);
        out.position(out.position() + n * Float.BYTES);
    }

    private static INDArray readTensor(ByteBuffer data, TensorJson t) throws ModelFormatException {
        // Every product and sum bounded by the data section before it is formed: a hostile header's dimensions or
        // offset must not wrap around a long and pass the range check.
        long maxElements = data.capacity() / Float.BYTES;
        long elements = 1;
        for (long d : t.shape()) {
            if (d <= 0 || d > maxElements || elements > maxElements / d) {
                throw new ModelFormatException("tensor " + t.name() + " has a non-positive dimension or more values than"
                        + " the data section holds");
            }
            elements *= d;
        }
        if (t.length() != elements * Float.BYTES || t.offset() < 0 || t.offset() > data.capacity() - t.length()) {
            throw new ModelFormatException("tensor " + t.name() + " lies outside the data section or has the wrong length");
        }
        float[] values = new float[(int) elements];
        data.position((int) t.offset());
        data.asFloatBuffer().get(values);
        return Nd4j.create(values, t.shape(), 'c');
    }

    private static Parameters.Kind kind(TensorJson t) throws ModelFormatException {
        try {
            return Parameters.Kind.valueOf(t.kind());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ModelFormatException("tensor " + t.name() + " has unknown kind " + t.kind());
        }
    }

    private static ModelSpec toSpec(SpecJson s) throws ModelFormatException {
        if (s == null) {
            throw new ModelFormatException("model header has no spec");
        }
        try {
            return new ModelSpec(Architecture.fromId(s.architecture()), new InputShape(s.channels(), s.height(), s.width()),
                    s.numClasses(), s.widthMultiplier(), s.pixelMean(), s.pixelStd(), s.dropout(),
                    s.heads() == null ? HeadDesign.BOTTLENECK : HeadDesign.fromId(s.heads()));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ModelFormatException("model header has an invalid spec: " + e.getMessage(), e);
        }
    }

    /** Building the graph asks for every tensor by name and shape; anything missing or mis-shaped is an error. */
    private static void checkComplete(ModelSpec spec, Parameters loaded, RequiredTensors requiredTensors)
            throws ModelFormatException {
        for (var kind : requiredTensors.of(spec).entrySet()) {
            Map<String, INDArray> have = loaded.view(kind.getKey());
            for (Map.Entry<String, long[]> need : kind.getValue().entrySet()) {
                INDArray got = have.get(need.getKey());
                if (got == null) {
                    throw new ModelFormatException("model file lacks tensor " + need.getKey() + " required by " + spec.summary());
                }
                if (!Arrays.equals(got.shape(), need.getValue())) {
                    throw new ModelFormatException("tensor " + need.getKey() + " has shape " + Arrays.toString(got.shape())
                            + ", expected " + Arrays.toString(need.getValue()));
                }
            }
        }
    }

    private static byte[] sha256(byte[] bytes, int length) {
        MessageDigest md = sha256();
        md.update(bytes, 0, length);
        return md.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
