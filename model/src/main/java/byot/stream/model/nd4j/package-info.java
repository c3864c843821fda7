/**
 * Everything that relies on ND4J 1.0.0-M2.1 beyond its documented API, in one place:
 * <ul>
 *   <li>{@link byot.stream.model.nd4j.PooledSession} and {@code SessionArrayPool} extend SameDiff's
 *       {@code samediff.internal} session and memory manager, so that a training step reuses its arrays;</li>
 *   <li>{@link byot.stream.model.nd4j.StageProgram} runs an inference stage op by op from SameDiff's op objects;</li>
 *   <li>{@link byot.stream.model.nd4j.GradientFunction} creates the gradient function under its internal name, and
 *       names the trace SameDiff prints meanwhile (which the library leaves alone).</li>
 * </ul>
 * {@code Nd4jInternalsTest} pins the ND4J version and checks each of these assumptions by name, so an upgrade
 * fails there, saying what changed, rather than somewhere in a training step.
 */
package byot.stream.model.nd4j;
