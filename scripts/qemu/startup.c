/* Coffer's QEMU board (mps2-an386, Cortex-M4): vector table, reset handler, semihosting calls and the
   self-test loop. The firmware itself is Swift (Board.swift, module QemuBoard); this file only starts
   the CPU, talks to the host through Arm semihosting and moves 64-byte CTAPHID reports.

   Self-test mode (the only mode so far): the command line QEMU passes through semihosting (-append) is
   "SEED IN OUT": SEED is a file of at least 32 bytes of host entropy that seeds the board's HMAC-DRBG,
   IN a file of 64-byte CTAPHID OUT reports, OUT the file the IN reports are written to, in order. The
   image feeds every report to the chip, then exits through SYS_EXIT_EXTENDED with status 0, or a
   nonzero status saying what failed. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

/* The Swift side (scripts/qemu/Board.swift). */
extern int32_t coffer_qemu_boot(const uint8_t *seed, intptr_t length);
extern int32_t coffer_qemu_receive(const uint8_t *report, uint64_t now, uint8_t *out, intptr_t capacity);

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top, __stack_limit;
extern char __heap_start[];
extern void *sbrk(ptrdiff_t increment);
extern void _set_tls(void *tls);
extern char __tls_base[];

/* ---- semihosting ---- */
enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_CLOCK = 0x10,
    SYS_FLEN = 0x0C, SYS_GET_CMDLINE = 0x15, SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026,
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

/* SYS_WRITE0 prints a NUL-terminated string on the host's console. */
static void say(const char *text) { semihost(0x04, (void *)text); }

static intptr_t sh_open(const char *name, intptr_t mode) {
    intptr_t block[3] = {(intptr_t)name, mode, (intptr_t)strlen(name)};
    return semihost(SYS_OPEN, block);
}

/* Reads up to `length` bytes; returns how many were read. */
static intptr_t sh_read(intptr_t handle, void *buffer, intptr_t length) {
    intptr_t block[3] = {handle, (intptr_t)buffer, length};
    return length - semihost(SYS_READ, block);
}

static int sh_write(intptr_t handle, const void *buffer, intptr_t length) {
    intptr_t block[3] = {handle, (intptr_t)buffer, length};
    return semihost(SYS_WRITE, block) == 0;
}

static void sh_close(intptr_t handle) {
    intptr_t block[1] = {handle};
    semihost(SYS_CLOSE, block);
}

/* Milliseconds since the image started: the host's SYS_CLOCK (centiseconds). */
static uint64_t now_ms(void) { return (uint64_t)semihost(SYS_CLOCK, NULL) * 10u; }

/* ---- RAM high-water marks ---- */
/* The reset handler paints the stack below its own frame; the lowest word no longer painted is the
   stack's high-water mark. picolibc's malloc takes memory from sbrk and never returns it, so the
   break is the heap's high-water mark. */
#define STACK_PAINT 0xC0FFE5EDu

static void say_number(const char *label, uint32_t value) {
    char text[64], digits[12];
    size_t n = 0, d = 0;
    while (label[n] && n < 40) { text[n] = label[n]; n++; }
    do { digits[d++] = (char)('0' + value % 10); value /= 10; } while (value);
    while (d) text[n++] = digits[--d];
    text[n++] = '\n';
    text[n] = 0;
    say(text);
}

static void report_ram(void) {
    uint32_t *word = &__stack_limit;
    while (word < &__stack_top && *word == STACK_PAINT) word++;
    say_number("coffer-qemu: stack high-water bytes ", (uint32_t)((char *)&__stack_top - (char *)word));
    say_number("coffer-qemu: heap high-water bytes ", (uint32_t)((char *)sbrk(0) - __heap_start));
}

/* ---- the Swift runtime's needs ---- */
/* Embedded Swift allocates through posix_memalign and free; picolibc's malloc backs both (its heap is
   __heap_start..__heap_end of link.ld). Hash seeds are the only other randomness Swift asks for. */
void arc4random_buf(void *buffer, size_t length) {
    static uint32_t state = 0x2545F491u;
    uint8_t *bytes = buffer;
    for (size_t i = 0; i < length; i++) {
        state ^= state << 13; state ^= state >> 17; state ^= state << 5;
        bytes[i] = (uint8_t)state;
    }
}

/* ---- self-test ---- */
#define REPORT 64
#define OUT_REPORTS 64

static uint8_t replies[REPORT * OUT_REPORTS];

int main(void) {
    static char cmdline[256];
    intptr_t block[2] = {(intptr_t)cmdline, sizeof cmdline - 1};
    if (semihost(SYS_GET_CMDLINE, block) != 0) { say("coffer-qemu: no command line\n"); return 10; }
    cmdline[block[1]] = 0;
    /* Tokens: [image name] SEED IN OUT; the last three are ours. */
    char *tokens[8];
    int count = 0;
    for (char *p = cmdline; *p && count < 8;) {
        while (*p == ' ') *p++ = 0;
        if (!*p) break;
        tokens[count++] = p;
        while (*p && *p != ' ') p++;
    }
    if (count < 3) { say("coffer-qemu: usage: -append \"SEED IN OUT\"\n"); return 11; }
    const char *seedName = tokens[count - 3], *inName = tokens[count - 2], *outName = tokens[count - 1];

    intptr_t seedFile = sh_open(seedName, 1 /* "rb" */);
    if (seedFile < 0) { say("coffer-qemu: cannot open the seed file\n"); return 12; }
    uint8_t seed[64];
    intptr_t seedLength = sh_read(seedFile, seed, sizeof seed);
    sh_close(seedFile);
    if (seedLength < 32) { say("coffer-qemu: the seed file holds fewer than 32 bytes\n"); return 13; }
    if (coffer_qemu_boot(seed, seedLength) != 0) { say("coffer-qemu: the firmware did not boot\n"); return 14; }
    memset(seed, 0, sizeof seed);

    intptr_t in = sh_open(inName, 1 /* "rb" */);
    intptr_t out = sh_open(outName, 5 /* "wb" */);
    if (in < 0 || out < 0) { say("coffer-qemu: cannot open the report files\n"); return 15; }
    uint8_t report[REPORT];
    for (;;) {
        intptr_t got = sh_read(in, report, REPORT);
        if (got == 0) break;
        if (got != REPORT) { say("coffer-qemu: a partial report\n"); return 16; }
        int32_t produced = coffer_qemu_receive(report, now_ms(), replies, sizeof replies);
        if (produced < 0) { say("coffer-qemu: too many IN reports for one OUT report\n"); return 17; }
        if (produced > 0 && !sh_write(out, replies, (intptr_t)produced * REPORT)) return 18;
    }
    sh_close(in);
    sh_close(out);
    report_ram();
    return 0;
}

/* ---- reset and vectors ---- */
__attribute__((noreturn)) void coffer_reset(void) {
    uint32_t *src = &__data_load;
    for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
    for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *word = &__stack_limit; word < sp - 16;) *word++ = STACK_PAINT;
    _set_tls(__tls_base);
    extern void (*__preinit_array_start[])(void), (*__preinit_array_end[])(void);
    extern void (*__init_array_start[])(void), (*__init_array_end[])(void);
    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++) (*f)();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
    coffer_qemu_exit(main());
}

__attribute__((noreturn)) static void coffer_fault(void) {
    say("coffer-qemu: fault\n");
    coffer_qemu_exit(99);
}

__attribute__((section(".vectors"), used)) static void *const vectors[16] = {
    &__stack_top, (void *)coffer_reset, (void *)coffer_fault /* NMI */, (void *)coffer_fault /* HardFault */,
    (void *)coffer_fault, (void *)coffer_fault, (void *)coffer_fault, 0, 0, 0, 0,
    (void *)coffer_fault /* SVCall */, (void *)coffer_fault, 0, (void *)coffer_fault, (void *)coffer_fault,
};
