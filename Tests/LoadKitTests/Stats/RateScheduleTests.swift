import Testing

@testable import LoadKit

@Suite struct RateScheduleTests {
    let start: UInt64 = 1_000_000_000

    @Test func nothingIsDueBeforeTheStart() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 100)
        #expect(schedule.dueCount(atNanos: start - 1) == 0)
        #expect(schedule.dueCount(atNanos: 0) == 0)
    }

    @Test func theFirstSendIsDueAtTheStart() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 100)
        #expect(schedule.dueCount(atNanos: start) == 1)
        #expect(schedule.dueNanos(of: 0) == start)
    }

    @Test func aThousandPerSecondMakesAThousandDueInASecond() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 1_000)
        // Sends 0...999 are due in [start, start + 1 s); send 1000 at start + 1 s.
        #expect(schedule.dueCount(atNanos: start + 999_999_999) == 1_000)
        #expect(schedule.dueCount(atNanos: start + 500_500_000) == 501)
        #expect(schedule.dueNanos(of: 250) == start + 250_000_000)
    }

    @Test func fractionalRatesSpaceSendsEvenly() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 2.5)
        #expect(schedule.dueNanos(of: 1) == start + 400_000_000)
        #expect(schedule.dueCount(atNanos: start + 1_000_000_000) == 3)
    }

    @Test func lagIsHowLateASendIsBehindItsDueTime() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 10)
        #expect(schedule.lagNanos(of: 2, atNanos: start + 250_000_000) == 50_000_000)
        #expect(schedule.lagNanos(of: 5, atNanos: start + 250_000_000) == 0)
    }

    @Test func aLateTickCatchesUpWithABurst() {
        let schedule = RateSchedule(startNanos: start, ratePerSecond: 1_000)
        var sent: Int64 = 0
        var sentPerTick: [Int64] = []
        for tick in [start + 1_500_000, start + 3_500_000, start + 53_500_000] {
            let due = schedule.dueCount(atNanos: tick)
            sentPerTick.append(due - sent)
            sent = due
        }
        #expect(sentPerTick == [2, 2, 50])
    }
}
