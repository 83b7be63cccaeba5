//go:build !noasm

#include "textflag.h"

// Registers of kernelAVX2:
//	CX       k, counting down
//	R8, R9   &a[0*rsa + p*csa], &a[3*rsa + p*csa]: rows 0-2 and 3-5 of A at step p
//	R10      rsa in bytes, so rows 1, 2 (and 4, 5) are (R8)(R10*1), (R8)(R10*2)
//	R11      csa in bytes
//	BX       &b[p*16]
//	DI, R12  &c[i*ldc], ldc in bytes
//	Y0-Y11   the 6×16 accumulators: row i in Y(2i), Y(2i+1)
//	Y12-Y13  b[p*16 : p*16+16]
//	Y14-Y15  a[i*rsa + p*csa] broadcast, alternating so that loads run ahead of FMAs

// KSTEP adds the outer product of column p of A and row p of B (at boff(BX)) to the
// accumulators and moves R8, R9 to column p+1.
#define KSTEP(boff) \
	VMOVUPS      boff(BX), Y12; \
	VMOVUPS      boff+32(BX), Y13; \
	VBROADCASTSS (R8), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS (R8)(R10*1), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS (R8)(R10*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS (R9), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS (R9)(R10*1), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS (R9)(R10*2), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         R11, R8; \
	ADDQ         R11, R9

// STORE writes row i of the tile (ya, yb) to (DI) and moves DI to the next row.
#define STORE(ya, yb) \
	VMOVUPS ya, (DI); \
	VMOVUPS yb, 32(DI); \
	ADDQ    R12, DI

// UPDATE writes beta·c + row i of the tile, held in (ya, yb), with Y13 = beta.
#define UPDATE(ya, yb) \
	VFMADD231PS (DI), Y13, ya; \
	VFMADD231PS 32(DI), Y13, yb; \
	STORE(ya, yb)

// PREFETCHROW fetches the 16 floats of C at (AX), which may straddle two cache lines,
// and moves AX to the next row.
#define PREFETCHROW \
	PREFETCHT0 (AX); \
	PREFETCHT0 60(AX); \
	ADDQ       R12, AX

// func kernelAVX2(k int, a []float32, rsa, csa int, b []float32, c []float32, ldc int, alpha, beta float32)
TEXT ·kernelAVX2(SB), NOSPLIT, $0-112
	MOVQ k+0(FP), CX
	MOVQ a_base+8(FP), R8
	MOVQ rsa+32(FP), R10
	SHLQ $2, R10
	MOVQ csa+40(FP), R11
	SHLQ $2, R11
	MOVQ b_base+48(FP), BX
	MOVQ c_base+72(FP), DI
	MOVQ ldc+96(FP), R12
	SHLQ $2, R12
	LEAQ (R8)(R10*2), R9
	ADDQ R10, R9

	// Fetch the C tile while the products are formed.
	MOVQ DI, AX
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	SUBQ $4, CX
	JL   tail

loop4:
	KSTEP(0)
	KSTEP(64)
	KSTEP(128)
	KSTEP(192)
	ADDQ $256, BX
	SUBQ $4, CX
	JGE  loop4

tail:
	ADDQ $4, CX
	JZ   scale

loop1:
	KSTEP(0)
	ADDQ $64, BX
	DECQ CX
	JNZ  loop1

scale:
	VBROADCASTSS alpha+104(FP), Y12
	VMULPS       Y12, Y0, Y0
	VMULPS       Y12, Y1, Y1
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMULPS       Y12, Y4, Y4
	VMULPS       Y12, Y5, Y5
	VMULPS       Y12, Y6, Y6
	VMULPS       Y12, Y7, Y7
	VMULPS       Y12, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VMULPS       Y12, Y10, Y10
	VMULPS       Y12, Y11, Y11

	// beta == ±0 overwrites C without reading it.
	MOVL  beta+108(FP), AX
	TESTL $0x7fffffff, AX
	JZ    overwrite

	VBROADCASTSS beta+108(FP), Y13
	UPDATE(Y0, Y1)
	UPDATE(Y2, Y3)
	UPDATE(Y4, Y5)
	UPDATE(Y6, Y7)
	UPDATE(Y8, Y9)
	UPDATE(Y10, Y11)
	VZEROUPPER
	RET

overwrite:
	STORE(Y0, Y1)
	STORE(Y2, Y3)
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	VZEROUPPER
	RET
