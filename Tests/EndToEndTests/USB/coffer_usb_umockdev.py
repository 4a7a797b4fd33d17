#!/usr/bin/python3
"""Coffer over real libusb with no USB bus: umockdev describes Coffer's USB device to libusb
(sysfs, udev and a /dev/bus/usb node), this script answers the usbdevfs ioctls that libusb
sends to that node (SUBMITURB, REAPURBNDELAY, DISCARDURB, claim, capabilities), and the 64-byte
reports of the interrupt endpoints travel over UDP to a running coffer-emulator. Then the built
cofferctl runs with --device usb, so its libusb code path runs for real.

Run under umockdev's preload:
    umockdev-wrapper /usr/bin/python3 coffer_usb_umockdev.py --cofferctl PATH --port PORT --serial HEX
Prints one line per check and "N passed, M failed"; exits 0 only if every check passed.
"""

import argparse
import errno
import json
import os
import pwd
import shutil
import socket
import stat
import struct
import subprocess
import tempfile

import gi

gi.require_version("UMockdev", "1.0")
from gi.repository import GLib, UMockdev  # noqa: E402

VENDOR, PRODUCT = 0x1209, 0x000C
NODE = "/dev/bus/usb/001/002"
SYSFS = "/devices/pci0000:00/0000:00:14.0/usb1/1-1"
EP_IN, EP_OUT = 0x81, 0x01
REPORT = 64


def _ioc(direction, number, size):
    """A Linux ioctl request number for the usbdevfs type 'U' (asm-generic layout)."""
    return (direction << 30) | (size << 16) | (ord("U") << 8) | number


NONE, WRITE, READ = 0, 1, 2
URB_SIZE = 56  # struct usbdevfs_urb on a 64-bit kernel, without iso frames
SUBMITURB = _ioc(READ, 10, URB_SIZE)
DISCARDURB = _ioc(NONE, 11, 0)
REAPURB = _ioc(WRITE, 12, 8)
REAPURBNDELAY = _ioc(WRITE, 13, 8)
CLAIMINTERFACE = _ioc(READ, 15, 4)
RELEASEINTERFACE = _ioc(READ, 16, 4)
GETDRIVER = _ioc(WRITE, 8, 260)
SETINTERFACE = _ioc(READ, 4, 8)
SETCONFIGURATION = _ioc(READ, 5, 4)
USBFS_IOCTL = _ioc(READ | WRITE, 18, 16)
CLEAR_HALT = _ioc(READ, 21, 4)
GET_CAPABILITIES = _ioc(READ, 26, 4)
DISCONNECT_CLAIM = _ioc(READ, 27, 264)
URB_TYPE_INTERRUPT, URB_TYPE_CONTROL = 1, 2

# The FIDO HID report descriptor: usage page 0xF1D0, usage CTAPHID, 64-byte input and output reports.
HID_REPORT = bytes.fromhex("06D0F1 0901 A101 0920 1500 26FF00 7508 9540 8102 0921 1500 26FF00 7508 9540 9102 C0")


def descriptors():
    """The device descriptor and the configuration (interface, HID, two interrupt endpoints)."""
    device = struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, 0, 0, 0, 64, VENDOR, PRODUCT, 0x0100, 1, 2, 3, 1)
    interface = struct.pack("<BBBBBBBBB", 9, 4, 0, 0, 2, 3, 0, 0, 0)
    hid = struct.pack("<BBHBBBH", 9, 0x21, 0x0111, 0, 1, 0x22, len(HID_REPORT))
    endpoint_in = struct.pack("<BBBBHB", 7, 5, EP_IN, 3, REPORT, 5)
    endpoint_out = struct.pack("<BBBBHB", 7, 5, EP_OUT, 3, REPORT, 5)
    body = interface + hid + endpoint_in + endpoint_out
    config = struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), 1, 1, 0, 0x80, 50) + body
    return device + config


def umockdev_description(serial):
    """Coffer's device in umockdev's text format: binary attributes in upper-case hex, and text
    attributes ending in a newline as sysfs ends them (written \\n)."""
    return f"""P: {SYSFS}
N: bus/usb/001/002
E: DEVNAME={NODE}
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT={VENDOR:x}/{PRODUCT:x}/100
E: TYPE=0/0/0
E: BUSNUM=001
E: DEVNUM=002
E: MAJOR=189
E: MINOR=1
E: SUBSYSTEM=usb
A: bConfigurationValue=1\\n
A: bDeviceClass=00\\n
A: bMaxPacketSize0=64\\n
A: bNumConfigurations=1\\n
A: bNumInterfaces= 1\\n
A: bcdDevice=0100\\n
A: busnum=1\\n
H: descriptors={descriptors().hex().upper()}
A: dev=189:1\\n
A: devnum=2\\n
A: devpath=1\\n
A: idProduct={PRODUCT:04x}\\n
A: idVendor={VENDOR:04x}\\n
A: manufacturer=Coffer\\n
A: product=Coffer HSM\\n
A: serial={serial}\\n
A: speed=12\\n
A: version= 2.00\\n
"""


def string_descriptor(index, serial):
    if index == 0:
        return bytes([4, 3, 0x09, 0x04])  # one language: US English
    text = {1: "Coffer", 2: "Coffer HSM", 3: serial}.get(index)
    if text is None:
        return None
    encoded = text.encode("utf-16-le")
    return bytes([2 + len(encoded), 3]) + encoded


class CofferUSBDevice(UMockdev.IoctlBase):
    """Answers usbdevfs ioctls as Coffer's device would, forwarding its reports to the emulator."""

    def __init__(self, port, serial):
        super().__init__()
        self.serial = serial
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.connect(("127.0.0.1", port))
        self.udp.setblocking(False)
        self.reaped = []  # finished URBs, in completion order
        self.waiting_in = []  # IN URBs waiting for a report: (urb, buffer)
        self.reports = []  # reports that came before any IN URB asked for one
        self.reports_out = 0
        self.reports_in = 0
        self.claimed_elsewhere = False  # answer claims with EBUSY, as when another program holds it

    def do_handle_ioctl(self, client):
        request = client.get_request()
        argument = client.get_arg()
        try:
            result, error = self.dispatch(request, argument)
        except OSError as failure:
            result, error = -1, failure.errno or errno.EIO
        client.complete(result, error)
        return True

    def dispatch(self, request, argument):
        if request == SUBMITURB:
            return self.submit(argument)
        if request in (REAPURBNDELAY, REAPURB):
            return self.reap(argument)
        if request == DISCARDURB:
            return self.discard(argument)
        if request == GET_CAPABILITIES:
            argument.resolve(0, 4).update(0, struct.pack("<I", 0))
            return 0, 0
        if request in (CLAIMINTERFACE, DISCONNECT_CLAIM) and self.claimed_elsewhere:
            return -1, errno.EBUSY
        if request in (CLAIMINTERFACE, RELEASEINTERFACE, DISCONNECT_CLAIM, SETINTERFACE, SETCONFIGURATION, CLEAR_HALT):
            return 0, 0
        if request in (GETDRIVER, USBFS_IOCTL):
            return -1, errno.ENODATA  # no kernel driver is bound, none to detach or attach
        return -1, errno.ENOTTY

    def submit(self, argument):
        urb = argument.resolve(0, URB_SIZE)
        raw = bytes(urb.retrieve())
        kind, endpoint = raw[0], raw[1]
        length = struct.unpack_from("<i", raw, 24)[0]
        buffer = urb.resolve(16, length) if length > 0 else None
        if kind == URB_TYPE_INTERRUPT and endpoint == EP_OUT:
            report = bytes(buffer.retrieve())
            self.udp.send(report)
            self.reports_out += 1
            self.finish(urb, 0, len(report))
        elif kind == URB_TYPE_INTERRUPT and endpoint == EP_IN:
            self.waiting_in.append((urb, buffer))
            self.deliver()
        elif kind == URB_TYPE_CONTROL:
            self.control(urb, buffer)
        else:
            return -1, errno.EINVAL
        return 0, 0

    def control(self, urb, buffer):
        setup = bytes(buffer.retrieve())[:8]
        request_type, request, value, index, wanted = struct.unpack("<BBHHH", setup)
        answer = None
        if request_type == 0x80 and request == 6:  # GET_DESCRIPTOR, standard, device to host
            kind, number = value >> 8, value & 0xFF
            if kind == 1:
                answer = descriptors()[:18]
            elif kind == 2:
                answer = descriptors()[18:]
            elif kind == 3:
                answer = string_descriptor(number, self.serial)
        elif request_type == 0x81 and request == 6 and value >> 8 == 0x22:  # the HID report descriptor
            answer = HID_REPORT
        if answer is None:
            self.finish(urb, -errno.EPIPE, 0)  # a stall
            return
        answer = answer[:wanted]
        buffer.update(8, answer)
        self.finish(urb, 0, len(answer))

    def finish(self, urb, status, actual):
        urb.update(4, struct.pack("<i", status))
        urb.update(28, struct.pack("<i", actual))
        self.reaped.append(urb)

    def deliver(self):
        """Moves reports from the emulator into waiting IN URBs."""
        while True:
            try:
                datagram = self.udp.recv(2048)
            except BlockingIOError:
                break
            if len(datagram) == REPORT:
                self.reports.append(datagram)
        while self.reports and self.waiting_in:
            urb, buffer = self.waiting_in.pop(0)
            buffer.update(0, self.reports.pop(0))
            self.reports_in += 1
            self.finish(urb, 0, REPORT)

    def reap(self, argument):
        self.deliver()
        if not self.reaped:
            return -1, errno.EAGAIN
        argument.resolve(0, 8).set_ptr(0, self.reaped.pop(0))
        return 0, 0

    def discard(self, argument):
        address = struct.unpack_from("<Q", bytes(argument.retrieve()))[0]
        for position, (urb, _) in enumerate(self.waiting_in):
            if urb.client_addr == address:
                del self.waiting_in[position]
                self.finish(urb, -errno.ENOENT, 0)  # cancelled: reaped with -ENOENT, as usbfs does
                return 0, 0
        return -1, errno.EINVAL


def run(command, stdin_text="", environment=None, as_user=None, timeout_seconds=120):
    """Runs a child while the main loop answers its ioctls; (exit status, stdout, stderr)."""
    if as_user is not None:
        command = ["/usr/bin/setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"] + command
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err, env=environment)
        child.stdin.write(stdin_text.encode())
        child.stdin.close()
        loop = GLib.MainLoop()
        ended = {}

        def on_exit(pid, status):
            ended["status"] = os.waitstatus_to_exitcode(status)
            loop.quit()

        def on_timeout():
            child.kill()
            return False

        GLib.child_watch_add(GLib.PRIORITY_DEFAULT, child.pid, on_exit)
        timer = GLib.timeout_add_seconds(timeout_seconds, on_timeout)
        loop.run()
        GLib.source_remove(timer)
        child.returncode = ended["status"]  # reaped by GLib already
        out.seek(0)
        err.seek(0)
        return ended["status"], out.read().decode(), err.read().decode()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cofferctl", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--serial", required=True)
    options = parser.parse_args()
    if "umockdev-preload" not in os.environ.get("LD_PRELOAD", ""):
        raise SystemExit("run me under umockdev-wrapper")

    testbed = UMockdev.Testbed.new()
    testbed.add_from_string(umockdev_description(options.serial))
    device = CofferUSBDevice(options.port, options.serial)
    testbed.attach_ioctl(NODE, device)
    scratch = tempfile.mkdtemp(prefix="coffer-usb-")
    # The testbed sets UMOCKDEV_DIR with setenv(3), after Python copied the environment: pass it on.
    environment = dict(os.environ, UMOCKDEV_DIR=testbed.get_root_dir(), COFFER_PIN_DIR=os.path.join(scratch, "pins"),
                       HOME=scratch)
    environment.pop("COFFER_DEVICE", None)
    cofferctl = options.cofferctl
    checks = Checks()
    by_serial = f"usb:1209:000c@{options.serial}"

    status, out, err = run([cofferctl, "--json", "devices"], environment=environment)
    listed = [entry for entry in json.loads(out or "[]") if entry.get("kind") == "usb"] if status == 0 else []
    checks.check("devices lists Coffer's USB device with its serial", status == 0 and len(listed) == 1
                 and listed[0].get("address") == by_serial and listed[0].get("product") == "Coffer HSM"
                 and listed[0].get("accessible") is True, f"status {status} {out} {err}")

    status, out, err = run([cofferctl, "--device", "usb", "--json", "ping", "--size", "300"], environment=environment)
    checks.check("ping over libusb interrupt transfers", status == 0 and json.loads(out or "{}").get("bytes") == 300,
                 f"status {status} {out} {err}")

    status, out, err = run([cofferctl, "--device", by_serial, "--json", "info"], environment=environment)
    info = json.loads(out) if status == 0 else {}
    checks.check("info by VID:PID and serial reaches the emulator's device", info.get("serial") == options.serial
                 and info.get("identitySignature") == "verified" and info.get("pin") == "pinned now",
                 f"status {status} {out} {err}")

    status, out, err = run([cofferctl, "--device", "usb", "--json", "register", "--id", "usb-user", "--password-stdin"],
                           "over usb\n", environment)
    key = json.loads(out).get("key") if status == 0 else None
    status, out, err = run([cofferctl, "--device", "usb", "--json", "recover", "--id", "usb-user", "--password-stdin"],
                           "over usb\n", environment)
    checks.check("register then recover over USB gives the key back", key is not None and status == 0
                 and json.loads(out).get("key") == key, f"status {status} {out} {err}")

    status, out, err = run([cofferctl, "--device", "usb", "recover", "--id", "usb-user", "--password-stdin"],
                           "wrong\n", environment)
    checks.check("a wrong password over USB exits 10", status == 10 and "attempts remaining" in err, f"{status} {err}")

    status, out, err = run([cofferctl, "--device", "usb@not-this-serial", "ping"], environment=environment)
    checks.check("another serial is unreachable (69)", status == 69 and "no such USB device" in err, f"{status} {err}")

    status, out, err = run([cofferctl, "--device", "usb:1209:0001", "ping"], environment=environment)
    checks.check("other ids are unreachable (69)", status == 69, f"{status} {err}")

    device.claimed_elsewhere = True
    status, out, err = run([cofferctl, "--device", "usb", "ping"], environment=environment)
    device.claimed_elsewhere = False
    checks.check("an interface claimed by another program is busy (69) and says so", status == 69
                 and "claimed by another program" in err, f"{status} {err}")

    checks.check("reports crossed both ways", device.reports_out > 0 and device.reports_in > 0,
                 f"{device.reports_out} out, {device.reports_in} in")

    # Permission denied, as on a host without Coffer's udev rule: the node is a root-only file and
    # cofferctl runs as an unprivileged user. umockdev's preload connects every opened node to its
    # ioctl socket, so the sockets (not the node) are opened to that user, and the testbed root is
    # made writable for the emulated udev monitor socket that libusb binds there.
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody").pw_uid
        root = testbed.get_root_dir()
        for directory, _, files in os.walk(root):
            os.chmod(directory, 0o755)
            for name in files:
                path = os.path.join(directory, name)
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    os.chmod(path, 0o777)
        os.chmod(root, 0o1777)
        os.chmod(os.path.join(root, NODE.lstrip("/")), 0o600)
        os.chmod(scratch, 0o777)
        # Earlier (root) runs left their emulated uevent sockets behind; nobody could not rebind them.
        for name in os.listdir(root):
            if name.startswith("event"):
                os.unlink(os.path.join(root, name))
        status, out, err = run([cofferctl, "--device", "usb", "ping"], environment=environment, as_user=nobody)
        checks.check("no permission on the node exits 77 with the udev rule", status == 77
                     and 'ATTRS{idVendor}=="1209", ATTRS{idProduct}=="000c"' in err, f"{status} {err}")
    else:
        print("skip permission check: needs root to run cofferctl as another user")

    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
