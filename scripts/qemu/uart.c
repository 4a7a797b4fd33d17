/* The QEMU board's clock and transport. SysTick interrupts every millisecond (mps2-an386's CPU clock is
   25 MHz in QEMU, which runs it on the host's real time): the firmware's only clock, for CTAPHID timeouts
   and lock expiry. UART0 (CMSDK APB UART, QEMU's first -serial) carries CTAPHID reports in frames
   (docs/PROTOCOL.md, "QEMU board"):

       0xC0 | kind | length (0..64) | payload | CRC-16/CCITT-FALSE of kind, length and payload (big-endian)

   kinds: host to board 'O' an OUT report; board to host 'B' booted (payload: the boot count, u32 big-
   endian), 'I' an IN report answering the last OUT report, 'D' done with that OUT report (no payload),
   'T' an IN report that time made due (a CTAPHID timeout). A frame whose length or CRC is wrong is
   dropped and the receiver hunts for the next sync byte. */
#include <stddef.h>
#include <stdint.h>

#include "QemuHost.h"
#include "board.h"

/* ---- SysTick ---- */
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPU_HZ 25000000u

static volatile uint64_t milliseconds;

void coffer_systick_handler(void) { milliseconds = milliseconds + 1; }

void coffer_clock_start(void) {
    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7; /* enable, interrupt, processor clock */
}

uint64_t coffer_now_ms(void) {
    __asm__ volatile("cpsid i" ::: "memory");
    uint64_t now = milliseconds;
    __asm__ volatile("cpsie i" ::: "memory");
    return now;
}

/* ---- UART0 ---- */
#define UART_DATA (*(volatile uint32_t *)0x40004000u)
#define UART_STATE (*(volatile uint32_t *)0x40004004u)
#define UART_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART_INTCLEAR (*(volatile uint32_t *)0x4000400Cu)
#define UART_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
enum { TX_FULL = 1, RX_FULL = 2, TX_ENABLE = 1, RX_ENABLE = 2, RX_INTERRUPT = 8, RX_IRQ = 0 };

/* Bytes received, filled by the RX interrupt and drained by the serve loop. The host sends one frame
   and waits for 'D', so a few frames' room is plenty; when full, the byte waits in the UART (whose
   RX_FULL holds QEMU's sender back) until the loop reads it. */
#define RING 512
static volatile uint8_t ring[RING];
static volatile uint32_t ringHead, ringTail;

/* Moves what the UART holds into the ring. Only ever run with the other caller shut out: in the
   interrupt, or in the loop with interrupts masked (a read of DATA between another's check of RX_FULL
   and its read would hand one byte out twice). */
static void drain_uart(void) {
    while ((UART_STATE & RX_FULL) && ringHead - ringTail < RING) {
        ring[ringHead % RING] = (uint8_t)UART_DATA;
        ringHead = ringHead + 1;
    }
    UART_INTCLEAR = RX_FULL;
}

void coffer_uart_rx_handler(void) { drain_uart(); }

static int next_byte(uint8_t *byte) {
    if (ringHead == ringTail) {
        /* A byte the interrupt left behind (the ring was full, or it came as the interrupt ended). */
        __asm__ volatile("cpsid i" ::: "memory");
        drain_uart();
        __asm__ volatile("cpsie i" ::: "memory");
        if (ringHead == ringTail) return 0;
    }
    *byte = ring[ringTail % RING];
    ringTail = ringTail + 1;
    return 1;
}

static void put_byte(uint8_t byte) {
    while (UART_STATE & TX_FULL) {}
    UART_DATA = byte;
}

/* ---- frames ---- */
enum { SYNC = 0xC0, KIND_OUT = 'O', KIND_BOOTED = 'B', KIND_IN = 'I', KIND_DONE = 'D', KIND_TIMED = 'T' };

static uint16_t crc16(uint16_t crc, const uint8_t *bytes, size_t count) {
    for (size_t i = 0; i < count; i++) {
        crc ^= (uint16_t)(bytes[i] << 8);
        for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static void send_frame(uint8_t kind, const uint8_t *payload, uint8_t length) {
    uint8_t head[2] = {kind, length};
    uint16_t crc = crc16(crc16(0xFFFF, head, 2), payload, length);
    put_byte(SYNC);
    put_byte(kind);
    put_byte(length);
    for (uint8_t i = 0; i < length; i++) put_byte(payload[i]);
    put_byte((uint8_t)(crc >> 8));
    put_byte((uint8_t)crc);
}

/* The frame being received: where in it the next byte goes. */
static struct {
    uint8_t bytes[2 + REPORT + 2]; /* kind, length, payload, CRC */
    size_t count;
    int synced;
} incoming;

/* Takes the bytes received so far; returns 1 with `report` filled when they complete an 'O' frame. */
static int take_out_report(uint8_t report[REPORT]) {
    uint8_t byte;
    while (next_byte(&byte)) {
        if (!incoming.synced) {
            incoming.synced = byte == SYNC;
            incoming.count = 0;
            continue;
        }
        incoming.bytes[incoming.count++] = byte;
        if (incoming.count == 2 && incoming.bytes[1] > REPORT) { incoming.synced = 0; continue; }
        if (incoming.count < 2 || incoming.count < 4u + incoming.bytes[1]) continue;
        size_t length = incoming.bytes[1];
        uint16_t crc = (uint16_t)(incoming.bytes[2 + length] << 8 | incoming.bytes[3 + length]);
        incoming.synced = 0;
        if (crc != crc16(0xFFFF, incoming.bytes, 2 + length)) continue;
        if (incoming.bytes[0] != KIND_OUT || length != REPORT) continue;
        for (size_t i = 0; i < REPORT; i++) report[i] = incoming.bytes[2 + i];
        return 1;
    }
    return 0;
}

uint8_t replies[REPORT * MOST_REPLIES];

static void send_replies(uint8_t kind, int32_t count) {
    if (count < 0) {
        coffer_sh_say("coffer-qemu: more IN reports than the board holds\n");
        coffer_qemu_exit(17);
    }
    for (int32_t i = 0; i < count; i++) send_frame(kind, replies + i * REPORT, REPORT);
}

/* Serves CTAPHID over UART0 until QEMU stops: each OUT report is answered ('I' frames, then 'D'); when
   idle, time-driven reports go out as 'T' frames once due, and the core sleeps until an interrupt (the
   next byte or millisecond). */
__attribute__((noreturn)) void coffer_serve_uart(uint32_t boot) {
    UART_BAUDDIV = 16;
    UART_CTRL = TX_ENABLE | RX_ENABLE | RX_INTERRUPT;
    NVIC_ISER0 = 1u << RX_IRQ;
    uint8_t count[4] = {(uint8_t)(boot >> 24), (uint8_t)(boot >> 16), (uint8_t)(boot >> 8), (uint8_t)boot};
    send_frame(KIND_BOOTED, count, 4);
    uint8_t report[REPORT];
    uint64_t polledAt = UINT64_MAX;
    for (;;) {
        if (take_out_report(report)) {
            send_replies(KIND_IN, coffer_qemu_receive(report, coffer_now_ms(), replies, sizeof replies));
            send_frame(KIND_DONE, NULL, 0);
            coffer_report_ram();
            continue;
        }
        uint64_t now = coffer_now_ms();
        if (now != polledAt && coffer_qemu_deadline(now) <= now) {
            polledAt = now;
            send_replies(KIND_TIMED, coffer_qemu_poll(now, replies, sizeof replies));
            continue;
        }
        /* With interrupts masked, an interrupt that comes after the check still ends the wait. */
        __asm__ volatile("cpsid i" ::: "memory");
        if (ringHead == ringTail && !(UART_STATE & RX_FULL)) __asm__ volatile("wfi" ::: "memory");
        __asm__ volatile("cpsie i" ::: "memory");
    }
}
