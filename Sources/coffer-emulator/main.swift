// The command line arrives with the UDP server (next step); until then the executable only builds.
import CofferEmulator

print("coffer-emulator: not yet wired")
