/* The QEMU board's C parts as they see each other: startup.c (reset, vectors, modes), semihost.c (host
   calls), uart.c (SysTick clock, UART, frames) and the Swift firmware's entry points (Board.swift). */
#ifndef COFFER_QEMU_BOARD_H
#define COFFER_QEMU_BOARD_H
#include <stdint.h>

#define REPORT 64
/* The most IN reports one OUT report or one poll produces: a whole CTAPHID message of 7609 bytes. */
#define MOST_REPLIES 129

/* Board.swift. Boot: loads the memories kept in QEMU's working directory, counts the boot and seeds
   the DRBG with `seed` and the count; returns the boot count (1 or more), or BOOT_* below. */
enum { BOOT_NO_FIRMWARE = -1, BOOT_STATE_REFUSED = -2, BOOT_IO_FAILURE = -3 };
extern int32_t coffer_qemu_boot(const uint8_t *seed, intptr_t length, int32_t seeded);
/* One OUT report received at `now`: the IN reports answering it go to `out`; returns how many, or -1. */
extern int32_t coffer_qemu_receive(const uint8_t *report, uint64_t now, uint8_t *out, intptr_t capacity);
/* Time passing: the IN reports due by `now` (timeouts) go to `out`; returns how many, or -1. */
extern int32_t coffer_qemu_poll(uint64_t now, uint8_t *out, intptr_t capacity);
/* When the firmware next has time-driven work, asked at `now`; UINT64_MAX for never. */
extern uint64_t coffer_qemu_deadline(uint64_t now);

/* semihost.c */
__attribute__((noreturn)) void coffer_qemu_exit(int status);
int coffer_sh_cmdline(char *buffer, intptr_t capacity);

/* startup.c: prints the stack and heap high-water marks when either has grown. */
void coffer_report_ram(void);

/* uart.c */
void coffer_clock_start(void);
uint64_t coffer_now_ms(void);
void coffer_systick_handler(void);
void coffer_uart_rx_handler(void);
__attribute__((noreturn)) void coffer_serve_uart(uint32_t boot);
/* Where the IN reports of one OUT report or one poll are put, for either way of running. */
extern uint8_t replies[REPORT * MOST_REPLIES];

#endif
