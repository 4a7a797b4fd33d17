// `coffer-bench`: Coffer's figures for `make bench`, one JSON line each (see Benchmarks/run.py).
import Foundation

let figures: [() throws -> Measurement] = [
    { try OPAQUEServerLogins(iterations: 2000).run() },
]
for figure in figures {
    print(try figure().jsonLine)
    fflush(nil)
}
