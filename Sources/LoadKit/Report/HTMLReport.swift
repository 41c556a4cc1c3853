import Foundation

/// A self-contained HTML page of a run: verdict, figures, and per-second plots as inline SVG; it
/// loads nothing from the network and runs no script.
public enum HTMLReport {
    public static func render(_ result: RunResult) -> String {
        var body = "<h1>chorus-load \(escape(result.scenario)) — <span class=\"\(result.passed ? "pass" : "fail")\">"
            + (result.passed ? "passed" : "failed") + "</span></h1>"
        body += "<p>Started \(escape(result.startedAt)); gateways \(escape(result.gateways.joined(separator: ", "))); "
            + "\(Format.count(result.connections)) connections.</p>"
        if !result.failures.isEmpty { body += list("Failures", result.failures, cssClass: "fail") }
        if !result.warnings.isEmpty { body += list("Warnings", result.warnings, cssClass: "warn") }
        body += table("Parameters", ["parameter", "value"], result.parameters.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        if let traffic = result.traffic { body += trafficTables(traffic) }
        if let sequence = result.sequence {
            body += table(
                "Stream check (per receiving connection and room, by seq)", ["streams", "complete", "missing", "duplicates", "out of order", "gap events"],
                [[String(sequence.streams), String(sequence.complete), String(sequence.missing), String(sequence.duplicates),
                  String(sequence.outOfOrder), String(sequence.gapEvents)]]
            )
        }
        body += table("Errors", ["code", "count"], result.errors.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        if !result.closes.isEmpty {
            body += table("Closed by the server", ["reason", "count"], result.closes.sorted { $0.key < $1.key }.map { [$0.key, String($0.value)] })
        }
        if let ramp = result.ramp { body += rampSection(ramp) }
        if let idle = result.idle { body += "<h2>Idle connections</h2><pre>" + escape(TextSummary.idleLines(idle).joined(separator: "\n")) + "</pre>" }
        if let storm = result.connectStorm { body += "<h2>Connect storm</h2><pre>" + escape(TextSummary.stormLines(storm).joined(separator: "\n")) + "</pre>" }
        if let resume = result.resume { body += "<h2>Resume</h2><pre>" + escape(TextSummary.resumeLines(resume).joined(separator: "\n")) + "</pre>" }
        if let store = result.workerStore { body += "<h2>Worker store</h2><pre>" + escape(TextSummary.workerStoreLines(store).joined(separator: "\n")) + "</pre>" }
        if !result.servers.isEmpty {
            body += table(
                "Server processes (measured window)", ["process", "pid", "CPU s", "CPU %", "RSS", "peak RSS", "processes"],
                result.servers.map {
                    [$0.name, String($0.pid), Format.decimal($0.cpuSeconds, 2), Format.decimal($0.cpuPercent), Format.bytes(Double($0.rssBytes)),
                     Format.bytes(Double($0.peakRSSBytes)), String($0.processCount)]
                }
            )
            if let perDelivery = result.serverCPUMicrosPerDelivery {
                body += "<p><b>Server CPU per delivered message: \(Format.decimal(perDelivery, 2)) µs</b></p>"
            }
        }
        if let client = result.client {
            body += "<p>Harness: CPU \(Format.decimal(client.cpuPercent, 0))% of a core, event loops "
                + client.loopThreadCPUPercent.map { Format.decimal($0, 0) + "%" }.joined(separator: ", ")
                + " (waiting for a CPU " + client.loopThreadWaitPercent.map { Format.decimal($0, 0) + "%" }.joined(separator: ", ") + ")"
                + ", RSS \(Format.bytes(Double(client.rssBytes)))" + (client.bottleneck ? " — <b>possible harness bottleneck</b>" : "") + "</p>"
        }
        body += charts(result)
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>chorus-load \(escape(result.scenario))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;max-width:900px;color:#222}
            table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
            th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
            .pass{color:#17803d}.fail{color:#b3261e}.warn{color:#8a5a00}
            svg.chart{display:block;margin:8px 0 20px;font-size:11px}svg .title{font-size:13px;font-weight:600}
            svg .grid{stroke:#e5e5e5}svg .axis{stroke:#888}svg .frame{fill:none;stroke:#888}svg .shade{fill:#eef4ff}
            </style></head><body>
            \(body)
            <p style="color:#777">Shaded: the measured window. Latency axes are logarithmic.</p>
            </body></html>
            """
    }

    static func trafficTables(_ traffic: TrafficSummary) -> String {
        var html = table(
            "Traffic (\(Format.decimal(traffic.windowSeconds)) s measured)",
            ["sent", "msgs/s", "acked", "resent", "refused", "unanswered", "expected deliveries", "delivered", "delivered %", "deliveries/s"],
            [[Format.count(traffic.sent), Format.decimal(traffic.sendRate), Format.count(traffic.acked), Format.count(traffic.retried), String(traffic.refused),
              String(traffic.unanswered), Format.count(traffic.expectedDeliveries), Format.count(traffic.delivered),
              Format.decimal(traffic.deliveryRatio * 100, 3), Format.decimal(traffic.deliveriesPerSecond, 0)]]
        )
        html += table(
            "Latency", ["", "p50", "p90", "p99", "p99.9", "max", "samples"],
            [("ack", traffic.ackLatency), ("delivery", traffic.deliveryLatency), ("send schedule lag", traffic.scheduleLag)].map { name, s in
                [name, Format.micros(s.p50Micros), Format.micros(s.p90Micros), Format.micros(s.p99Micros), Format.micros(s.p999Micros),
                 Format.micros(s.maxMicros), Format.count(s.count)]
            }
        )
        return html
    }

    static func rampSection(_ ramp: RampResult) -> String {
        var html = table(
            "Ramp (pass: delivery ≥ \(ramp.minDeliveryPercent)% and p99 ≤ \(Format.decimal(ramp.p99BoundMillis)) ms); highest passing rate: "
                + (ramp.highestPassingRate.map { Format.decimal($0, 0) + " msgs/s" } ?? "none"),
            ["rate", "sent/s", "delivered %", "deliveries/s", "p50", "p99", "server µs/delivery", "result"],
            ramp.steps.map { step in
                [Format.decimal(step.rate, 0), Format.decimal(step.traffic.sendRate, 0), Format.decimal(step.traffic.deliveryRatio * 100, 3),
                 Format.decimal(step.traffic.deliveriesPerSecond, 0), Format.micros(step.traffic.deliveryLatency.p50Micros),
                 Format.micros(step.traffic.deliveryLatency.p99Micros), step.serverCPUMicrosPerDelivery.map { Format.decimal($0, 2) } ?? "",
                 step.passed ? "pass" : "fail: " + step.reasons.joined(separator: "; ")]
            }
        )
        html += SVGChart(
            title: "Delivery latency by rate", xLabel: "msgs/s", yLabel: "ms", logY: true,
            series: [
                .init(name: "p50", color: "#1f77b4", points: ramp.steps.map { ($0.rate, Double($0.traffic.deliveryLatency.p50Micros) / 1000) }),
                .init(name: "p99", color: "#d62728", points: ramp.steps.map { ($0.rate, Double($0.traffic.deliveryLatency.p99Micros) / 1000) }),
            ]
        ).render()
        return html
    }

    /// Lines of one latency distribution per second, in ms on a log axis.
    private static var percentileLines: [(name: String, color: String, value: KeyPath<LatencySummary, UInt64>)] {
        [("p50", "#1f77b4", \.p50Micros), ("p90", "#2ca02c", \.p90Micros), ("p99", "#d62728", \.p99Micros), ("max", "#7f7f7f", \.maxMicros)]
    }

    static func charts(_ result: RunResult) -> String {
        let series = result.series
        guard !series.isEmpty else { return "" }
        let shaded = measuredSpans(series)
        func points(_ value: (SecondSample) -> Double?) -> [(x: Double, y: Double)] {
            series.compactMap { sample in value(sample).map { (sample.t, $0) } }
        }
        func latency(_ title: String, _ distribution: KeyPath<SecondSample, LatencySummary>, _ lines: [String]) -> String {
            SVGChart(
                title: title, xLabel: "seconds", yLabel: "ms", logY: true,
                series: percentileLines.filter { lines.contains($0.name) }.map { line in
                    .init(name: line.name, color: line.color, points: points { sample in
                        let summary = sample[keyPath: distribution]
                        return summary.count > 0 ? Double(summary[keyPath: line.value]) / 1000 : nil
                    })
                },
                shaded: shaded
            ).render()
        }
        func rates(_ title: String, _ yLabel: String, _ lines: [(String, String, (SecondSample) -> Double?)]) -> String {
            SVGChart(
                title: title, xLabel: "seconds", yLabel: yLabel,
                series: lines.map { .init(name: $0.0, color: $0.1, points: points($0.2)) }, shaded: shaded
            ).render()
        }
        var html = "<h2>Over time (per second)</h2>"
        if series.contains(where: { $0.delivery.count > 0 }) {
            html += latency("Delivery latency", \.delivery, ["p50", "p90", "p99", "max"])
            html += latency("Ack latency", \.ack, ["p50", "p99"])
            html += rates("Deliveries per second", "deliveries/s", [("delivered", "#9467bd", { Double($0.delivered) })])
            html += rates("Sends per second", "msgs/s", [
                ("sent", "#1f77b4", { Double($0.sent) }), ("acked", "#2ca02c", { Double($0.acked) }), ("errors", "#d62728", { Double($0.errors) }),
            ])
        }
        if series.contains(where: { $0.connects > 0 }) {
            html += rates("Connections", "connections", [
                ("open", "#1f77b4", { Double($0.connections) }), ("joined per s", "#ff7f0e", { Double($0.connects) }),
            ])
            html += latency("Connect + join time", \.connect, ["p50", "p99"])
        }
        html += rates("CPU", "% of one core", [
            ("servers", "#d62728", { $0.serverCPUPercent }), ("harness", "#1f77b4", { $0.clientCPUPercent }),
            ("busiest loop", "#17becf", { $0.busiestLoopCPUPercent }), ("loop waiting for CPU", "#ff7f0e", { $0.loopWaitPercent }),
        ])
        return html
    }

    /// Spans of consecutive seconds whose phase ends in `measure`.
    static func measuredSpans(_ series: [SecondSample]) -> [ClosedRange<Double>] {
        var spans: [ClosedRange<Double>] = []
        var start: Double?
        var previous = 0.0
        for sample in series {
            if sample.phase.hasSuffix("measure") {
                if start == nil { start = previous }
            } else if let begin = start {
                spans.append(begin...previous)
                start = nil
            }
            previous = sample.t
        }
        if let begin = start { spans.append(begin...previous) }
        return spans
    }

    static func table(_ title: String, _ header: [String], _ rows: [[String]]) -> String {
        var html = "<h2>\(escape(title))</h2><table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        if rows.isEmpty { html += "<tr><td colspan=\"\(header.count)\">none</td></tr>" }
        for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }
        return html + "</table>"
    }

    static func list(_ title: String, _ items: [String], cssClass: String) -> String {
        "<h2 class=\"\(cssClass)\">\(escape(title))</h2><ul>" + items.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
    }

    /// Escapes text for HTML and SVG.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
