package byot.stream.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import byot.stream.model.MultiExitModel;
import byot.stream.model.TinyData;
import byot.stream.model.TrainedTinyModel;
import byot.stream.model.exit.ExitDecision;
import byot.stream.model.exit.ExitPolicy;
import byot.stream.model.graph.LayerWeights;
import byot.stream.model.graph.Parameters;
import byot.stream.model.spec.Architecture;
import byot.stream.model.spec.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ModelFileTest {

    private static final MultiExitModel MODEL = trained();

    private static MultiExitModel trained() {
        MultiExitModel m = TrainedTinyModel.make(3, 4);
        m.setVersion(7);
        return m;
    }

    @Test
    void roundTripIsBitExact(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.byot");
        ModelFile.save(MODEL, file, true);
        MultiExitModel back = ModelFile.load(file);
        assertEquals(MODEL.spec(), back.spec());
        assertEquals(7, back.version());
        assertEquals(MODEL.step(), back.step());
        for (Parameters.Kind kind : Parameters.Kind.values()) {
            assertEquals(MODEL.parameters().view(kind).keySet(), back.parameters().view(kind).keySet(), kind.name());
            MODEL.parameters().view(kind).forEach((name, a) -> assertArrayEquals(
                    a.dup('c').data().asFloat(), back.parameters().view(kind).get(name).data().asFloat(), 0f, name));
        }
        assertEquals(ModelFile.weightsChecksum(MODEL), ModelFile.weightsChecksum(back));
        // Re-encoding the decoded model gives the same tensors (the header's timestamp may differ).
        INDArray pixels = new TinyData(8, 4, 1, 16, 1).pixels;
        List<ExitDecision> a = MODEL.snapshot().classify(pixels, ExitPolicy.fullDepth(4));
        List<ExitDecision> b = back.snapshot().classify(pixels, ExitPolicy.fullDepth(4));
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).confidence(), b.get(i).confidence(), 0f);
        }
    }

    @Test
    void weightsChecksumIsTheDigestOfNamesAndLittleEndianValuesInCOrder() throws Exception {
        java.security.MessageDigest reference = java.security.MessageDigest.getInstance("SHA-256");
        for (Parameters.Kind kind : List.of(Parameters.Kind.WEIGHT, Parameters.Kind.RUNNING_STAT)) {
            MODEL.parameters().view(kind).forEach((name, a) -> {
                reference.update(name.getBytes(StandardCharsets.UTF_8));
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) a.length() * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float f : a.dup('c').data().asFloat()) {
                    b.putFloat(f);
                }
                reference.update(b.array());
            });
        }
        assertEquals(java.util.HexFormat.of().formatHex(reference.digest()), ModelFile.weightsChecksum(MODEL));
    }

    @Test
    void tensorsAreWrittenInCOrderWhateverTheirLayout() {
        INDArray matrix = org.nd4j.linalg.factory.Nd4j.arange(0, 24).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape('c', 4, 6);
        INDArray fOrder = matrix.dup('f');
        INDArray rowView = matrix.getRow(2);                     // contiguous, at an offset in the matrix's memory
        INDArray columnView = matrix.getColumn(3);               // strided
        INDArray slabView = matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray doubles = matrix.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        for (INDArray a : List.of(matrix, fOrder, rowView, columnView, slabView, doubles)) {
            java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate((int) a.length() * 4 + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.putInt(-1);                                        // something before, as in a file
            ModelFile.putFloats(out, a);
            assertEquals(4 + a.length() * 4, out.position(), "position after " + a.shapeInfoToString());
            float[] written = new float[(int) a.length()];
            out.position(4);
            for (int i = 0; i < written.length; i++) {
                written[i] = out.getFloat();
            }
            assertArrayEquals(a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat(), written, 0f,
                    a.shapeInfoToString());
        }
    }

    @Test
    void calibratedExitThresholdsTravelInTheHeaderAndOlderFilesHaveNone() throws Exception {
        byot.stream.model.exit.CalibratedExits calibration = new byot.stream.model.exit.CalibratedExits(
                byot.stream.model.exit.ExitCriterion.ENTROPY, new double[] {0.25, 0.5, 1.0}, new boolean[] {false, true, true});
        byte[] bytes = ModelFile.toBytes(MODEL, false, calibration);
        assertEquals(java.util.Optional.of(calibration), ModelFile.calibration(bytes));
        assertEquals(java.util.Optional.empty(), ModelFile.calibration(ModelFile.toBytes(MODEL, false)));
        // The weights are the same either way; a reader that knows nothing of the field decodes the file as before.
        assertEquals(ModelFile.weightsChecksum(MODEL), ModelFile.weightsChecksum(ModelFile.fromBytes(bytes)));
        // Applied to a policy: an untrusted exit never answers.
        ExitPolicy applied = ExitPolicy.uniform(byot.stream.model.exit.ExitCriterion.ENTROPY, 0.1, 4).calibrated(calibration);
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, 0.5, 1.0}, applied.thresholds());
        assertThrows(ModelFormatException.class, () -> ModelFile.calibration(ModelFile.toBytes(MODEL, false,
                new byot.stream.model.exit.CalibratedExits(byot.stream.model.exit.ExitCriterion.ENTROPY, new double[] {0.25},
                        new boolean[] {true}))));
    }

    @Test
    void inputAlignmentTravelsInTheHeaderAndARepublishedFileKeepsTheWeightsBitForBit() throws Exception {
        var reference = new byot.stream.model.input.InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0);
        var alignment = new byot.stream.model.input.InputAlignment(java.util.List.of(reference,
                byot.stream.model.input.InputAlignment.Domain.mappingOnto(reference, -1, 255)));
        byte[] bytes = ModelFile.toBytes(MODEL, false, null, alignment);
        assertEquals(java.util.Optional.of(alignment), ModelFile.inputAlignment(bytes));
        assertEquals(java.util.Optional.empty(), ModelFile.inputAlignment(ModelFile.toBytes(MODEL, false)));

        byte[] plain = ModelFile.toBytes(MODEL, false);
        byte[] again = ModelFile.republished(plain, MODEL.version() + 5, null, alignment);
        MultiExitModel decoded = ModelFile.fromBytes(again);
        assertEquals(MODEL.version() + 5, decoded.version());
        assertEquals(ModelFile.weightsChecksum(MODEL), ModelFile.weightsChecksum(decoded));
        assertEquals(java.util.Optional.of(alignment), ModelFile.inputAlignment(again));
        // The tensor bytes are copied, not re-encoded: the file ends with the same tensor data before its digest.
        int tail = 1000;
        assertArrayEquals(Arrays.copyOfRange(plain, plain.length - 32 - tail, plain.length - 32),
                Arrays.copyOfRange(again, again.length - 32 - tail, again.length - 32));
        assertThrows(ModelFormatException.class, () -> ModelFile.republished(Arrays.copyOf(plain, plain.length - 1), 3, null, null));
    }

    @Test
    void anAlignmentThatIsNotFiniteOrMapsTheReferenceIsAFormatError() {
        String good = new String(ModelFile.toBytes(MODEL, false, null, new byot.stream.model.input.InputAlignment(java.util.List.of(
                new byot.stream.model.input.InputAlignment.Domain(70, 38, 85, 22, 0, 250, 1, 0)))), StandardCharsets.ISO_8859_1);
        // A writer outside this code base might put anything there: a zero gain, a reference that maps pixels.
        for (String[] damage : new String[][] {{"\"gain\":1.0", "\"gain\":0.0"}, {"\"offset\":0.0", "\"offset\":5.0"}}) {
            assertTrue(good.contains(damage[0]), damage[0]);
            byte[] bytes = resealed(good.replace(damage[0], damage[1]).getBytes(StandardCharsets.ISO_8859_1));
            assertThrows(ModelFormatException.class, () -> ModelFile.inputAlignment(bytes));
        }
    }

    /**
     * Index entries a hostile writer controls (the topic may be unsigned): each must be a format error, never a
     * NullPointerException, an overflowed offset or element count, or an array of negative size, which a consumer
     * would not count as a refusal and would fail on again after every restart.
     */
    @Test
    void hostileTensorEntriesAreFormatErrors() throws Exception {
        byte[] good = ModelFile.toBytes(MODEL, false);
        List<java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> damages = List.of(
                h -> h.remove("tensors"),
                h -> ((com.fasterxml.jackson.databind.node.ArrayNode) h.get("tensors")).set(0,
                        com.fasterxml.jackson.databind.node.NullNode.getInstance()),
                h -> ((com.fasterxml.jackson.databind.node.ObjectNode) h.get("tensors").get(0)).putNull("shape"),
                h -> ((com.fasterxml.jackson.databind.node.ObjectNode) h.get("tensors").get(0)).put("offset", 9223372036854775800L),
                h -> {
                    var t = (com.fasterxml.jackson.databind.node.ObjectNode) h.get("tensors").get(0);
                    t.putArray("shape").add(2305843011361177600L);
                    t.put("length", -9223372028264841216L);
                });
        for (int i = 0; i < damages.size(); i++) {
            byte[] bytes = withHeader(good, damages.get(i));
            int damage = i;
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.fromBytes(bytes), "damage " + damage);
            assertTrue(e.getMessage().contains("tensor"), e.getMessage());
        }
    }

    /**
     * A negative running variance is finite, so a finiteness check passes it, yet every output of its batch norm is
     * NaN: a consumer that served it would dead-letter every event. A zero variance (a channel that never varied) is
     * valid.
     */
    @Test
    void aNegativeRunningVarianceIsAFormatErrorAndZeroIsNot() throws Exception {
        MultiExitModel copy = ModelFile.fromBytes(ModelFile.toBytes(MODEL, false));
        String variance = copy.parameters().view(Parameters.Kind.RUNNING_STAT).keySet().stream()
                .filter(LayerWeights::isRunningVariance).findFirst().orElseThrow();
        INDArray values = copy.parameters().view(Parameters.Kind.RUNNING_STAT).get(variance);

        values.putScalar(1, 0f);
        assertEquals(0f, ModelFile.fromBytes(ModelFile.toBytes(copy, false)).parameters()
                .view(Parameters.Kind.RUNNING_STAT).get(variance).getFloat(1));

        values.putScalar(1, -1e-3f);
        byte[] hostile = ModelFile.toBytes(copy, false);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.fromBytes(hostile));
        assertTrue(e.getMessage().contains(variance) && e.getMessage().contains("negative"), e.getMessage());
    }

    /** The file with its JSON header replaced by an edited copy (any length) and its digest computed again. */
    private static byte[] withHeader(byte[] file, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws Exception {
        int prefix = 8 + 2 + 4;
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(file);
        int headerLength = in.getInt(prefix - 4);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var header = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Arrays.copyOfRange(file, prefix, prefix + headerLength));
        edit.accept(header);
        byte[] edited = json.writeValueAsBytes(header);
        byte[] data = Arrays.copyOfRange(file, prefix + headerLength, file.length - 32);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(prefix + edited.length + data.length + 32);
        out.put(file, 0, prefix - 4).putInt(edited.length).put(edited).put(data);
        return resealed(out.array());
    }

    /** The file with its header edited in place (same length) and its digest computed again. */
    private static byte[] resealed(byte[] edited) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(edited, edited.length - 32));
            System.arraycopy(digest, 0, edited, edited.length - 32, 32);
            return edited;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void lightHeadsTravelInTheSpecAndTheBottleneckStaysUnwritten() throws Exception {
        ModelSpec light = TrainedTinyModel.SPEC.withHeads(byot.stream.model.spec.HeadDesign.LIGHT);
        MultiExitModel model = MultiExitModel.create(light, 3);
        byte[] bytes = ModelFile.toBytes(model, false);
        assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("\"heads\":\"light\""));
        assertEquals(light, ModelFile.spec(bytes));
        assertEquals(ModelFile.weightsChecksum(model), ModelFile.weightsChecksum(ModelFile.fromBytes(bytes)));
        // Files of the paper's heads carry no field, byte for byte as before the option existed, and read back as such.
        byte[] paper = ModelFile.toBytes(MODEL, false);
        assertTrue(!new String(paper, StandardCharsets.ISO_8859_1).contains("\"heads\""));
        assertEquals(byot.stream.model.spec.HeadDesign.BOTTLENECK, ModelFile.spec(paper).heads());
        // The light heads' weights do not fit the bottleneck's layers: claiming the other design is a format error.
        assertMessage(ModelFile.toBytes(new MultiExitModel(TrainedTinyModel.SPEC, model.parameters(), 0, 1), false), "exit1/bottleneck");
    }

    @Test
    void optimizerStateIsOptional() throws Exception {
        byte[] lean = ModelFile.toBytes(MODEL, false);
        byte[] full = ModelFile.toBytes(MODEL, true);
        assertTrue(lean.length < full.length);
        assertTrue(ModelFile.fromBytes(lean).parameters().view(Parameters.Kind.OPTIMIZER).isEmpty());
    }

    @Test
    void rejectsEveryKindOfDamage() {
        byte[] good = ModelFile.toBytes(MODEL, false);
        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x01;
        assertMessage(flipped, "checksum");
        assertMessage(Arrays.copyOf(good, good.length - 100), "checksum");
        assertMessage(Arrays.copyOf(good, 20), "too short");
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertMessage(magic, "magic");
        byte[] version = good.clone();
        version[9] = 9;
        assertMessage(version, "format version");
        assertMessage("definitely not a model, just some text that is long enough".getBytes(StandardCharsets.UTF_8), "magic");
    }

    @Test
    void rejectsWeightsThatDoNotFitTheSpecTheHeaderClaims() throws Exception {
        MultiExitModel resnet18 = MultiExitModel.create(ModelSpec.fashionMnist(Architecture.RESNET18, 0.0625), 1);
        ModelSpec deeper = ModelSpec.fashionMnist(Architecture.RESNET34, 0.0625);
        ModelSpec wider = ModelSpec.fashionMnist(Architecture.RESNET18, 0.125);
        // Loaded twice each: the second load uses what the first worked out about the spec.
        RequiredTensors known = new RequiredTensors();
        for (int i = 0; i < 2; i++) {
            byte[] tooFew = ModelFile.toBytes(new MultiExitModel(deeper, resnet18.parameters(), 0, 1), false);
            byte[] wrongShapes = ModelFile.toBytes(new MultiExitModel(wider, resnet18.parameters(), 0, 1), false);
            assertMessage(tooFew, "lacks tensor");
            assertMessage(wrongShapes, "has shape");
            assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.fromBytes(tooFew, known)).getMessage()
                    .contains("lacks tensor"));
            assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.fromBytes(wrongShapes, known)).getMessage()
                    .contains("has shape"));
            assertEquals(resnet18.spec(), ModelFile.fromBytes(ModelFile.toBytes(resnet18, false), known).spec());
        }
    }

    @Test
    void missingFileIsReportedByName(@TempDir Path dir) {
        Path missing = dir.resolve("nope.byot");
        Exception e = assertThrows(java.nio.file.NoSuchFileException.class, () -> ModelFile.load(missing));
        assertTrue(e.getMessage().contains("nope.byot"));
        assertTrue(Files.notExists(missing));
    }

    private static void assertMessage(byte[] payload, String fragment) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.fromBytes(payload));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void theSpecIsReadFromTheHeaderWithTheSameChecksAsAFullDecode() throws Exception {
        var spec = byot.stream.model.spec.ModelSpec.fashionMnist(byot.stream.model.spec.Architecture.RESNET18, 0.0625);
        byte[] bytes = ModelFile.toBytes(byot.stream.model.MultiExitModel.create(spec, 1), false);
        org.junit.jupiter.api.Assertions.assertEquals(spec, ModelFile.spec(bytes));
        bytes[bytes.length / 2] ^= 1;
        org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> ModelFile.spec(bytes));
    }
}
