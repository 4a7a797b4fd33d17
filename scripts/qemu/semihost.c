/* Arm semihosting (the "bkpt 0xAB" calls QEMU serves with -semihosting-config enable=on,target=native):
   the QEMU board's console, exit status, command line and host files. See include/QemuHost.h. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "QemuHost.h"
#include "board.h"

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C, SYS_RENAME = 0x0F, SYS_ERRNO = 0x13, SYS_GET_CMDLINE = 0x15, SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20, ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

static intptr_t semihost(intptr_t op, void *arg) {
    register intptr_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

__attribute__((noreturn)) void coffer_qemu_exit(int status) {
    intptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, status};
    semihost(SYS_EXIT_EXTENDED, block);
    for (;;) semihost(SYS_EXIT, (void *)ADP_STOPPED_APPLICATION_EXIT);
}

void coffer_sh_say(const char *text) { semihost(SYS_WRITE0, (void *)text); }

int coffer_sh_cmdline(char *buffer, intptr_t capacity) {
    intptr_t block[2] = {(intptr_t)buffer, capacity - 1};
    if (semihost(SYS_GET_CMDLINE, block) != 0) return 0;
    buffer[block[1]] = 0;
    return 1;
}

intptr_t coffer_sh_open(const char *name, intptr_t mode) {
    intptr_t block[3] = {(intptr_t)name, mode, (intptr_t)strlen(name)};
    return semihost(SYS_OPEN, block);
}

intptr_t coffer_sh_errno(void) { return semihost(SYS_ERRNO, NULL); }

intptr_t coffer_sh_read(intptr_t handle, void *buffer, intptr_t length) {
    intptr_t block[3] = {handle, (intptr_t)buffer, length};
    intptr_t left = semihost(SYS_READ, block);
    return left < 0 || left > length ? -1 : length - left;
}

int coffer_sh_write(intptr_t handle, const void *buffer, intptr_t length) {
    intptr_t block[3] = {handle, (intptr_t)buffer, length};
    return semihost(SYS_WRITE, block) == 0;
}

int coffer_sh_seek(intptr_t handle, intptr_t position) {
    intptr_t block[2] = {handle, position};
    return semihost(SYS_SEEK, block) == 0;
}

intptr_t coffer_sh_length(intptr_t handle) {
    intptr_t block[1] = {handle};
    return semihost(SYS_FLEN, block);
}

int coffer_sh_close(intptr_t handle) {
    intptr_t block[1] = {handle};
    return semihost(SYS_CLOSE, block) == 0;
}

int coffer_sh_rename(const char *from, const char *to) {
    intptr_t block[4] = {(intptr_t)from, (intptr_t)strlen(from), (intptr_t)to, (intptr_t)strlen(to)};
    return semihost(SYS_RENAME, block) == 0;
}
