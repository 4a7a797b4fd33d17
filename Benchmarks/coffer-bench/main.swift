// `coffer-bench`: Coffer's figures for `make bench`, one JSON line each (see Benchmarks/run.py).
import Foundation

// First, so that its peak-RSS figure is this process's high-water mark before anything else ran.
for measurement in try BackupThroughput(size: 1 << 30).run() {
    print(measurement.jsonLine)
    fflush(nil)
}

let figures: [() throws -> Measurement] = [
    { try OPAQUEServerLogins(iterations: 2000).run() },
]
for figure in figures {
    print(try figure().jsonLine)
    fflush(nil)
}
