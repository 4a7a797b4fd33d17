/* Coffer's QEMU board (mps2-an386, Cortex-M4): vector table, reset handler, RAM high-water marks and the
   two ways the image runs. The firmware itself is Swift (Board.swift, BoardFiles.swift, module
   QemuBoard); semihost.c talks to the host, uart.c keeps time and moves CTAPHID reports.

   The command line QEMU passes through semihosting (-append) picks the way:
   - "serve SEED KIND": serves CTAPHID over UART0 (uart.c) until QEMU stops; what `coffer-emulator
     --board qemu` runs. KIND is "seeded" when SEED came from a known seed (GetInfo says so), else
     "random".
   - "SEED IN OUT" (self-test): feeds the 64-byte OUT reports of the file IN to the chip, writes the IN
     reports to the file OUT in order and exits with status 0.
   Either way the RAM high-water marks are printed on the console (QEMU's stderr) whenever they grow.
   SEED is a file of 32 to 64 bytes of host entropy for the DRBG. Either way the board's memories are
   files in QEMU's working directory (BoardFiles.swift). Exit statuses: 65 the memories are refused (the
   message says which file and why), 74 they cannot be read or written, other nonzero values a failure
   named on the console. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "QemuHost.h"
#include "board.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top, __stack_limit;
extern char __heap_start[];
extern void *sbrk(ptrdiff_t increment);
extern void _set_tls(void *tls);
extern char __tls_base[];

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
    coffer_sh_say(text);
}

/* Prints both marks when either has grown since the last report (always, the first time). */
void coffer_report_ram(void) {
    static uint32_t stackShown, heapShown;
    uint32_t *word = &__stack_limit;
    while (word < &__stack_top && *word == STACK_PAINT) word++;
    uint32_t stack = (uint32_t)((char *)&__stack_top - (char *)word);
    uint32_t heap = (uint32_t)((char *)sbrk(0) - __heap_start);
    if (stackShown && stack <= stackShown && heap <= heapShown) return;
    stackShown = stack;
    heapShown = heap;
    say_number("coffer-qemu: stack high-water bytes ", stack);
    say_number("coffer-qemu: heap high-water bytes ", heap);
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

/* ---- boot ---- */
/* Reads the seed file, boots the firmware on the memories in the working directory and wipes the seed;
   returns the boot count, or exits saying why not. */
static uint32_t boot(const char *seedName, int seeded) {
    intptr_t seedFile = coffer_sh_open(seedName, COFFER_SH_READ);
    if (seedFile < 0) { coffer_sh_say("coffer-qemu: cannot open the seed file\n"); coffer_qemu_exit(12); }
    uint8_t seed[64];
    intptr_t seedLength = coffer_sh_read(seedFile, seed, sizeof seed);
    coffer_sh_close(seedFile);
    if (seedLength < 32) { coffer_sh_say("coffer-qemu: the seed file holds fewer than 32 bytes\n"); coffer_qemu_exit(13); }
    int32_t booted = coffer_qemu_boot(seed, seedLength, seeded);
    memset(seed, 0, sizeof seed);
    switch (booted) {
    case BOOT_STATE_REFUSED: coffer_qemu_exit(65);
    case BOOT_IO_FAILURE: coffer_qemu_exit(74);
    case BOOT_NO_FIRMWARE: coffer_sh_say("coffer-qemu: the firmware did not boot\n"); coffer_qemu_exit(14);
    default: return (uint32_t)booted;
    }
}

/* ---- self-test ---- */

static int self_test(const char *inName, const char *outName) {
    intptr_t in = coffer_sh_open(inName, COFFER_SH_READ);
    intptr_t out = coffer_sh_open(outName, COFFER_SH_CREATE);
    if (in < 0 || out < 0) { coffer_sh_say("coffer-qemu: cannot open the report files\n"); return 15; }
    uint8_t report[REPORT];
    for (;;) {
        intptr_t got = coffer_sh_read(in, report, REPORT);
        if (got == 0) break;
        if (got != REPORT) { coffer_sh_say("coffer-qemu: a partial report\n"); return 16; }
        uint64_t now = coffer_now_ms();
        int32_t answered = coffer_qemu_receive(report, now, replies, sizeof replies);
        if (answered < 0) { coffer_sh_say("coffer-qemu: too many IN reports for one OUT report\n"); return 17; }
        int32_t due = coffer_qemu_poll(now, replies + answered * REPORT, sizeof replies - answered * REPORT);
        if (due < 0) { coffer_sh_say("coffer-qemu: too many IN reports for one OUT report\n"); return 17; }
        if (answered + due > 0 && !coffer_sh_write(out, replies, (intptr_t)(answered + due) * REPORT)) return 18;
    }
    coffer_sh_close(in);
    coffer_sh_close(out);
    coffer_report_ram();
    return 0;
}

int main(void) {
    static char cmdline[256];
    if (!coffer_sh_cmdline(cmdline, sizeof cmdline)) { coffer_sh_say("coffer-qemu: no command line\n"); return 10; }
    /* Tokens: [image name] then ours, the last three. */
    char *tokens[8];
    int count = 0;
    for (char *p = cmdline; *p && count < 8;) {
        while (*p == ' ') *p++ = 0;
        if (!*p) break;
        tokens[count++] = p;
        while (*p && *p != ' ') p++;
    }
    if (count < 3) { coffer_sh_say("coffer-qemu: usage: -append \"serve SEED seeded|random\" or \"SEED IN OUT\"\n"); return 11; }
    char **ours = tokens + count - 3;
    coffer_clock_start();
    if (strcmp(ours[0], "serve") == 0) coffer_serve_uart(boot(ours[1], strcmp(ours[2], "seeded") == 0));
    boot(ours[0], 1);
    return self_test(ours[1], ours[2]);
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
    coffer_sh_say("coffer-qemu: fault\n");
    coffer_qemu_exit(99);
}

/* The 16 system vectors, then external interrupt 0: UART0's receive interrupt on mps2-an386. */
__attribute__((section(".vectors"), used)) static void *const vectors[17] = {
    &__stack_top, (void *)coffer_reset, (void *)coffer_fault /* NMI */, (void *)coffer_fault /* HardFault */,
    (void *)coffer_fault, (void *)coffer_fault, (void *)coffer_fault, 0, 0, 0, 0,
    (void *)coffer_fault /* SVCall */, (void *)coffer_fault, 0, (void *)coffer_fault /* PendSV */,
    (void *)coffer_systick_handler, (void *)coffer_uart_rx_handler,
};
