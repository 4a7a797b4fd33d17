// `coffer-noop`: the trivial executable whose start `make bench` measures the emulator's start against
// (issue 14). It is built the same way as the emulator (release, the same toolchain, Swift's runtime
// linked dynamically), imports what the emulator imports of Foundation (FoundationEssentials where there
// is one), and does nothing.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
