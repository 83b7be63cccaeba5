//go:build !noasm

#include "textflag.h"

// Registers of kernelAVX512:
//	CX        k, counting down
//	R8, R9    &a0[0*rsa + p*csa], &a0[3*rsa + p*csa]: rows 0-2 and 3-5 of the block at step p
//	R13, R14  the same in a1: rows 6-8 and 9-11
//	R10       rsa in bytes, so rows 1, 2 (and 4, 5, ...) are (R8)(R10*1), (R8)(R10*2)
//	SI        csa in bytes
//	BX, DX    &b0[p*16], &b1[p*16]
//	DI, R12   &c[i*ldc], ldc in bytes
//	Z0-Z23    the 12×32 accumulators: row i in Z(2i) (columns 0-15), Z(2i+1) (16-31)
//	Z24, Z25  b0[p*16 : p*16+16], b1[p*16 : p*16+16]
//	Z26-Z31   a broadcast, rotating so that loads run ahead of the FMAs

// ROW adds a[row]·(Z24, Z25) to the accumulators of one row, the row's element of A at
// addr, broadcast into t.
#define ROW(addr, t, lo, hi) \
	VBROADCASTSS addr, t; \
	VFMADD231PS  Z24, t, lo; \
	VFMADD231PS  Z25, t, hi

// KSTEP adds the outer product of column p of the block of A and row p of B (at boff(BX)
// and boff(DX)) to the accumulators and moves the A pointers to column p+1.
#define KSTEP(boff) \
	VMOVUPS boff(BX), Z24; \
	VMOVUPS boff(DX), Z25; \
	ROW((R8), Z26, Z0, Z1); \
	ROW((R8)(R10*1), Z27, Z2, Z3); \
	ROW((R8)(R10*2), Z28, Z4, Z5); \
	ROW((R9), Z29, Z6, Z7); \
	ROW((R9)(R10*1), Z30, Z8, Z9); \
	ROW((R9)(R10*2), Z31, Z10, Z11); \
	ROW((R13), Z26, Z12, Z13); \
	ROW((R13)(R10*1), Z27, Z14, Z15); \
	ROW((R13)(R10*2), Z28, Z16, Z17); \
	ROW((R14), Z29, Z18, Z19); \
	ROW((R14)(R10*1), Z30, Z20, Z21); \
	ROW((R14)(R10*2), Z31, Z22, Z23); \
	ADDQ SI, R8; \
	ADDQ SI, R9; \
	ADDQ SI, R13; \
	ADDQ SI, R14

// STORE writes row i of the block (lo, hi) to (DI) and moves DI to the next row.
#define STORE(lo, hi) \
	VMOVUPS lo, (DI); \
	VMOVUPS hi, 64(DI); \
	ADDQ    R12, DI

// UPDATE writes beta·c + row i of the block, held in (lo, hi), with Z24 = beta.
#define UPDATE(lo, hi) \
	VFMADD231PS (DI), Z24, lo; \
	VFMADD231PS 64(DI), Z24, hi; \
	STORE(lo, hi)

#define PREFETCHROW \
	PREFETCHT0 (AX); \
	PREFETCHT0 64(AX); \
	PREFETCHT0 124(AX); \
	ADDQ       R12, AX

// func kernelAVX512(k int, a0, a1 []float32, rsa, csa int, b0, b1, c []float32, ldc int, alpha, beta float32)
TEXT ·kernelAVX512(SB), NOSPLIT, $0-160
	MOVQ k+0(FP), CX
	MOVQ a0_base+8(FP), R8
	MOVQ a1_base+32(FP), R13
	MOVQ rsa+56(FP), R10
	SHLQ $2, R10
	MOVQ csa+64(FP), SI
	SHLQ $2, SI
	MOVQ b0_base+72(FP), BX
	MOVQ b1_base+96(FP), DX
	MOVQ c_base+120(FP), DI
	MOVQ ldc+144(FP), R12
	SHLQ $2, R12
	LEAQ (R8)(R10*2), R9
	ADDQ R10, R9
	LEAQ (R13)(R10*2), R14
	ADDQ R10, R14

	// Fetch the C block while the products are formed.
	MOVQ DI, AX
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW
	PREFETCHROW

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	SUBQ $4, CX
	JL   tail

loop4:
	KSTEP(0)
	KSTEP(64)
	KSTEP(128)
	KSTEP(192)
	ADDQ $256, BX
	ADDQ $256, DX
	SUBQ $4, CX
	JGE  loop4

tail:
	ADDQ $4, CX
	JZ   scale

loop1:
	KSTEP(0)
	ADDQ $64, BX
	ADDQ $64, DX
	DECQ CX
	JNZ  loop1

scale:
	VBROADCASTSS alpha+152(FP), Z24
	VMULPS       Z24, Z0, Z0
	VMULPS       Z24, Z1, Z1
	VMULPS       Z24, Z2, Z2
	VMULPS       Z24, Z3, Z3
	VMULPS       Z24, Z4, Z4
	VMULPS       Z24, Z5, Z5
	VMULPS       Z24, Z6, Z6
	VMULPS       Z24, Z7, Z7
	VMULPS       Z24, Z8, Z8
	VMULPS       Z24, Z9, Z9
	VMULPS       Z24, Z10, Z10
	VMULPS       Z24, Z11, Z11
	VMULPS       Z24, Z12, Z12
	VMULPS       Z24, Z13, Z13
	VMULPS       Z24, Z14, Z14
	VMULPS       Z24, Z15, Z15
	VMULPS       Z24, Z16, Z16
	VMULPS       Z24, Z17, Z17
	VMULPS       Z24, Z18, Z18
	VMULPS       Z24, Z19, Z19
	VMULPS       Z24, Z20, Z20
	VMULPS       Z24, Z21, Z21
	VMULPS       Z24, Z22, Z22
	VMULPS       Z24, Z23, Z23

	// beta == ±0 overwrites C without reading it.
	MOVL  beta+156(FP), AX
	TESTL $0x7fffffff, AX
	JZ    overwrite

	VBROADCASTSS beta+156(FP), Z24
	UPDATE(Z0, Z1)
	UPDATE(Z2, Z3)
	UPDATE(Z4, Z5)
	UPDATE(Z6, Z7)
	UPDATE(Z8, Z9)
	UPDATE(Z10, Z11)
	UPDATE(Z12, Z13)
	UPDATE(Z14, Z15)
	UPDATE(Z16, Z17)
	UPDATE(Z18, Z19)
	UPDATE(Z20, Z21)
	UPDATE(Z22, Z23)
	VZEROUPPER
	RET

overwrite:
	STORE(Z0, Z1)
	STORE(Z2, Z3)
	STORE(Z4, Z5)
	STORE(Z6, Z7)
	STORE(Z8, Z9)
	STORE(Z10, Z11)
	STORE(Z12, Z13)
	STORE(Z14, Z15)
	STORE(Z16, Z17)
	STORE(Z18, Z19)
	STORE(Z20, Z21)
	STORE(Z22, Z23)
	VZEROUPPER
	RET
