import Foundation
import Testing

@testable import LoadKit

@Suite struct ProcStatTests {
    @Test func aStatLineParsesEvenWithParenthesesAndSpacesInTheName() throws {
        let line = "4242 (post (gres) x) S 4000 4242 4242 0 -1 4194560 500 0 0 0 1234 567 89 10 20 0 1 0 100 200000 300 "
            + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
        let stat = try #require(ProcStat.parse(line))
        #expect(stat == ProcStat(pid: 4242, parentPID: 4000, cpuTicks: 1234 + 567, childrenCPUTicks: 89 + 10))
    }

    @Test func garbageIsNotAStat() {
        #expect(ProcStat.parse("") == nil)
        #expect(ProcStat.parse("12 (x) S 1") == nil)
    }

    @Test func memoryComesFromVmRSSAndVmHWM() throws {
        let status = "Name:\tGateway\nVmPeak:\t  900000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t4\n"
        let memory = try #require(ProcStat.memory(status: status))
        #expect(memory.rss == 100 * 1024 * 1024)
        #expect(memory.peak == 200 * 1024 * 1024)
    }

    @Test func thisProcessCanBeSampledAsATree() throws {
        let me = ProcessInfo.processInfo.processIdentifier
        let sampler = ProcessSampler(targets: [ServerProcess(name: "self", pid: me, includeDescendants: true)])
        let sample = try #require(sampler.sample().first)
        #expect(sample.alive)
        #expect(sample.processCount >= 1)
        #expect(sample.rssBytes > 0)
        #expect(sample.peakBytes >= sample.rssBytes)
        #expect(ProcessSampler.ownCPUSeconds() > 0)
        #expect(ProcessSampler.threadCPUSeconds(tid: ProcessSampler.currentThreadID()) != nil)
    }

    @Test func aMissingProcessSamplesAsDead() {
        let sampler = ProcessSampler(targets: [ServerProcess(name: "gone", pid: Int32.max - 1)])
        #expect(sampler.sample() == [.dead])
        #expect(!ProcessSampler.exists(Int32.max - 1))
    }

    @Test func usageIsTheDifferenceOfTwoSamples() {
        let start = ProcessSampler.Sample(alive: true, cpuTicks: 100, rssBytes: 1_000, peakBytes: 2_000, processCount: 1)
        let end = ProcessSampler.Sample(alive: true, cpuTicks: 100 + UInt64(ProcessSampler.ticksPerSecond) * 3, rssBytes: 5_000, peakBytes: 6_000, processCount: 1)
        let usage = ServerUsage.between(ServerProcess(name: "gateway-1", pid: 1, role: "gateway"), start, end, seconds: 10)
        #expect(abs(usage.cpuSeconds - 3) < 1e-9)
        #expect(abs(usage.cpuPercent - 30) < 1e-9)
        #expect(usage.rssBytes == 5_000 && usage.rssBeforeBytes == 1_000 && usage.peakRSSBytes == 6_000)
    }
}
