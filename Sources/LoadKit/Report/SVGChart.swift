import Foundation

/// A line chart as inline SVG (no script, no network), for the HTML report.
public struct SVGChart {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Logarithmic y axis (latencies span decades).
    public var logY = false
    public var series: [Series]
    /// x ranges to shade (the measured windows).
    public var shaded: [ClosedRange<Double>] = []
    public var width = 820.0
    public var height = 280.0

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false, series: [Series], shaded: [ClosedRange<Double>] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
        self.shaded = shaded
    }

    public func render() -> String {
        let left = 70.0, right = 20.0, top = 30.0, bottom = 45.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.points).filter { $0.y.isFinite && (!logY || $0.y > 0) }
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" class="chart">"#
        svg += #"<text x="\#(left)" y="18" class="title">\#(HTMLReport.escape(title))</text>"#
        guard !all.isEmpty else {
            return svg + #"<text x="\#(left + 10)" y="\#(top + 40)">no data</text></svg>"#
        }
        let xMin = all.map(\.x).min()!, xMax = max(all.map(\.x).max()!, xMin + 1)
        let yTicks: [Double]
        let yMin: Double, yMax: Double
        if logY {
            let low = floor(log10(all.map(\.y).min()!)), high = max(ceil(log10(all.map(\.y).max()!)), low + 1)
            yMin = low
            yMax = high
            yTicks = stride(from: low, through: high, by: 1).map { $0 }
        } else {
            yMin = 0
            let step = Self.niceStep(all.map(\.y).max()! / 4)
            yMax = max(step, (all.map(\.y).max()! / step).rounded(.up) * step)
            yTicks = stride(from: 0, through: yMax, by: step).map { $0 }
        }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double {
            let value = logY ? log10(max(y, pow(10, yMin))) : y
            return top + plotHeight - (value - yMin) / (yMax - yMin) * plotHeight
        }
        for range in shaded {
            let x0 = px(max(range.lowerBound, xMin)), x1 = px(min(range.upperBound, xMax))
            if x1 > x0 {
                svg += #"<rect x="\#(f(x0))" y="\#(top)" width="\#(f(x1 - x0))" height="\#(plotHeight)" class="shade"/>"#
            }
        }
        for tick in yTicks {
            let y = logY ? top + plotHeight - (tick - yMin) / (yMax - yMin) * plotHeight : py(tick)
            svg += #"<line x1="\#(left)" x2="\#(left + plotWidth)" y1="\#(f(y))" y2="\#(f(y))" class="grid"/>"#
            let label = logY ? Self.label(pow(10, tick)) : Self.label(tick)
            svg += #"<text x="\#(left - 6)" y="\#(f(y + 4))" text-anchor="end">\#(label)</text>"#
        }
        let xStep = Self.niceStep((xMax - xMin) / 8)
        var xTick = (xMin / xStep).rounded(.up) * xStep
        while xTick <= xMax {
            svg += #"<line x1="\#(f(px(xTick)))" x2="\#(f(px(xTick)))" y1="\#(top + plotHeight)" y2="\#(top + plotHeight + 4)" class="axis"/>"#
            svg += #"<text x="\#(f(px(xTick)))" y="\#(top + plotHeight + 17)" text-anchor="middle">\#(Self.label(xTick))</text>"#
            xTick += xStep
        }
        svg += #"<rect x="\#(left)" y="\#(top)" width="\#(plotWidth)" height="\#(plotHeight)" class="frame"/>"#
        svg += #"<text x="\#(left + plotWidth / 2)" y="\#(height - 8)" text-anchor="middle">\#(HTMLReport.escape(xLabel))</text>"#
        svg += #"<text transform="translate(14 \#(top + plotHeight / 2)) rotate(-90)" text-anchor="middle">\#(HTMLReport.escape(yLabel))</text>"#
        for (index, line) in series.enumerated() {
            let points = line.points.filter { $0.y.isFinite && (!logY || $0.y > 0) }
            if points.count == 1 {
                svg += #"<circle cx="\#(f(px(points[0].x)))" cy="\#(f(py(points[0].y)))" r="3" fill="\#(line.color)"/>"#
            } else if points.count > 1 {
                let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                svg += #"<polyline points="\#(path)" fill="none" stroke="\#(line.color)" stroke-width="1.6"/>"#
            }
            let legendX = left + 10 + Double(index) * 120
            svg += #"<rect x="\#(f(legendX))" y="\#(top + 6)" width="10" height="10" fill="\#(line.color)"/>"#
            svg += #"<text x="\#(f(legendX + 14))" y="\#(top + 15)">\#(HTMLReport.escape(line.name))</text>"#
        }
        return svg + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, floor(log10(raw)))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }

    static func label(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%gM", value / 1_000_000) }
        if value >= 10_000 { return String(format: "%gk", value / 1_000) }
        return String(format: "%g", value)
    }
}
