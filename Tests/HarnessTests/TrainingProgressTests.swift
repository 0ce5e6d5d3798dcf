import Harness
import Testing

@Suite("Progress lines")
struct TrainingProgressTests {
  @Test("A progress line gives the rate and the time left once the session has a rate")
  func lineWithRate() {
    let progress = TrainingProgress(run: "resflow-moons", iteration: 23100, iterations: 50000, loss: 2.64661, iterationsPerSecond: 7.1)
    #expect(progress.line(position: "1/7") == "[1/7] resflow-moons it 23100/50000 loss 2.6466 7.1 it/s ETA 1 h 03 min")
  }

  @Test("A resumed run's first line, before any step, has no rate and no time left instead of a nonsense ETA")
  func lineWithoutRate() {
    let progress = TrainingProgress(run: "idensenet-circles", iteration: 17000, iterations: 50000, loss: 3.3825, iterationsPerSecond: 0, testNLL: 3.39764)
    #expect(progress.line(position: "2/7") == "[2/7] idensenet-circles it 17000/50000 loss 3.3825 test NLL 3.3976")
  }
}
