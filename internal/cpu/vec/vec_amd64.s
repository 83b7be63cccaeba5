//go:build !noasm

#include "textflag.h"

// Conventions of the per-channel routines (addBiasAVX2, normalizeAVX2,
// normalizeBackwardAVX2):
//	DX   rows left
//	R8   row stride in bytes (ld·4)
//	R10  bytes of a row to process (cols·4, a multiple of 32)
//	R9   byte offset of the current 8 columns within the row
//	SI, DI, R13  the current row of the matrix operands
//	BX, R11, R12, R14  the per-column vectors, indexed by R9
// The flat routines keep their length in CX, counted down in floats.

// FLOOR sets Y15 to the lower bound of the result: 0 with relu, −∞ without, so that
// VMAXPS Y0, Y15, Y0 (Y0 unless 0 > Y0; NaN keeps Y0) applies the optional ReLU.
#define FLOOR(relu) \
	VXORPS       Y15, Y15, Y15; \
	MOVBLZX      relu, AX; \
	TESTL        AX, AX; \
	JNZ          2(PC); \
	VBROADCASTSS ·negativeInfinity(SB), Y15

// func addBiasAVX2(rows, cols, ld int, x, bias, y []float32, relu bool)
TEXT ·addBiasAVX2(SB), NOSPLIT, $0-97
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), R10
	SHLQ $2, R10
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ bias_base+48(FP), BX
	MOVQ y_base+72(FP), DI
	FLOOR(relu+96(FP))

addBiasRow:
	XORQ R9, R9

addBiasColumns:
	VMOVUPS (SI)(R9*1), Y0
	VADDPS  (BX)(R9*1), Y0, Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(R9*1)
	ADDQ    $32, R9
	CMPQ    R9, R10
	JB      addBiasColumns
	ADDQ    R8, SI
	ADDQ    R8, DI
	DECQ    DX
	JNZ     addBiasRow
	VZEROUPPER
	RET

// func addBiasResidualAVX2(rows, cols, ld int, x, bias, residual, y []float32, relu bool)
TEXT ·addBiasResidualAVX2(SB), NOSPLIT, $0-121
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), R10
	SHLQ $2, R10
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ bias_base+48(FP), BX
	MOVQ residual_base+72(FP), R13
	MOVQ y_base+96(FP), DI
	FLOOR(relu+120(FP))

addBiasResidualRow:
	XORQ R9, R9

addBiasResidualColumns:
	VMOVUPS (SI)(R9*1), Y0
	VADDPS  (BX)(R9*1), Y0, Y0
	VADDPS  (R13)(R9*1), Y0, Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(R9*1)
	ADDQ    $32, R9
	CMPQ    R9, R10
	JB      addBiasResidualColumns
	ADDQ    R8, SI
	ADDQ    R8, R13
	ADDQ    R8, DI
	DECQ    DX
	JNZ     addBiasResidualRow
	VZEROUPPER
	RET

// func normalizeAVX2(rows, cols, ld int, x, mean, scale, shift, y []float32, relu bool)
TEXT ·normalizeAVX2(SB), NOSPLIT, $0-145
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), R10
	SHLQ $2, R10
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ mean_base+48(FP), BX
	MOVQ scale_base+72(FP), R11
	MOVQ shift_base+96(FP), R12
	MOVQ y_base+120(FP), DI
	FLOOR(relu+144(FP))

normalizeRow:
	XORQ R9, R9

normalizeColumns:
	VMOVUPS (SI)(R9*1), Y0
	VSUBPS  (BX)(R9*1), Y0, Y0
	VMULPS  (R11)(R9*1), Y0, Y0
	VADDPS  (R12)(R9*1), Y0, Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)(R9*1)
	ADDQ    $32, R9
	CMPQ    R9, R10
	JB      normalizeColumns
	ADDQ    R8, SI
	ADDQ    R8, DI
	DECQ    DX
	JNZ     normalizeRow
	VZEROUPPER
	RET

// func normalizeBackwardAVX2(rows, cols, ld int, x, dy []float32, mean, k1, k2, k3 []float64, dx []float32)
// The float64 vectors are indexed by R9*2: 8 floats of a row face 8 float64 coefficients.
TEXT ·normalizeBackwardAVX2(SB), NOSPLIT, $0-192
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), R10
	SHLQ $2, R10
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ dy_base+48(FP), R13
	MOVQ mean_base+72(FP), BX
	MOVQ k1_base+96(FP), R11
	MOVQ k2_base+120(FP), R12
	MOVQ k3_base+144(FP), R14
	MOVQ dx_base+168(FP), DI

normalizeBackwardRow:
	XORQ R9, R9

normalizeBackwardColumns:
	VCVTPS2PD   (SI)(R9*1), Y0
	VCVTPS2PD   16(SI)(R9*1), Y1
	VSUBPD      (BX)(R9*2), Y0, Y0
	VSUBPD      32(BX)(R9*2), Y1, Y1
	VMULPD      (R12)(R9*2), Y0, Y0
	VMULPD      32(R12)(R9*2), Y1, Y1
	VCVTPS2PD   (R13)(R9*1), Y2
	VCVTPS2PD   16(R13)(R9*1), Y3
	VMULPD      (R11)(R9*2), Y2, Y2
	VMULPD      32(R11)(R9*2), Y3, Y3
	VADDPD      Y0, Y2, Y2
	VADDPD      Y1, Y3, Y3
	VADDPD      (R14)(R9*2), Y2, Y2
	VADDPD      32(R14)(R9*2), Y3, Y3
	VCVTPD2PSY  Y2, X2
	VCVTPD2PSY  Y3, X3
	VINSERTF128 $1, X3, Y2, Y2
	VMOVUPS     Y2, (DI)(R9*1)
	ADDQ        $32, R9
	CMPQ        R9, R10
	JB          normalizeBackwardColumns
	ADDQ        R8, SI
	ADDQ        R8, R13
	ADDQ        R8, DI
	DECQ        DX
	JNZ         normalizeBackwardRow
	VZEROUPPER
	RET

// func reluAVX2(x, y []float32)
TEXT ·reluAVX2(SB), NOSPLIT, $0-48
	MOVQ   x_base+0(FP), SI
	MOVQ   y_base+24(FP), DI
	MOVQ   y_len+32(FP), CX
	VXORPS Y15, Y15, Y15
	SUBQ   $32, CX
	JL     reluTail

reluLoop32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMAXPS  Y0, Y15, Y0
	VMAXPS  Y1, Y15, Y1
	VMAXPS  Y2, Y15, Y2
	VMAXPS  Y3, Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JGE     reluLoop32

reluTail:
	ADDQ $32, CX
	JZ   reluDone

reluLoop8:
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     reluLoop8

reluDone:
	VZEROUPPER
	RET

// func reluBackwardAVX2(x, dy, dx []float32)
// VCMPPS predicate 0x1e is GT_OQ: x > 0, false for NaN.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-72
	MOVQ   x_base+0(FP), SI
	MOVQ   dy_base+24(FP), BX
	MOVQ   dx_base+48(FP), DI
	MOVQ   dx_len+56(FP), CX
	VXORPS Y15, Y15, Y15
	SUBQ   $32, CX
	JL     reluBackwardTail

reluBackwardLoop32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCMPPS  $0x1e, Y15, Y0, Y0
	VCMPPS  $0x1e, Y15, Y1, Y1
	VCMPPS  $0x1e, Y15, Y2, Y2
	VCMPPS  $0x1e, Y15, Y3, Y3
	VANDPS  (BX), Y0, Y0
	VANDPS  32(BX), Y1, Y1
	VANDPS  64(BX), Y2, Y2
	VANDPS  96(BX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, BX
	ADDQ    $128, DI
	SUBQ    $32, CX
	JGE     reluBackwardLoop32

reluBackwardTail:
	ADDQ $32, CX
	JZ   reluBackwardDone

reluBackwardLoop8:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1e, Y15, Y0, Y0
	VANDPS  (BX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, BX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     reluBackwardLoop8

reluBackwardDone:
	VZEROUPPER
	RET

// func axpbyAVX2(alpha float32, x []float32, beta float32, y []float32)
TEXT ·axpbyAVX2(SB), NOSPLIT, $0-64
	VBROADCASTSS alpha+0(FP), Y14
	MOVQ         x_base+8(FP), SI
	MOVQ         y_base+40(FP), DI
	MOVQ         y_len+48(FP), CX
	MOVL         beta+32(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           scaleLoop
	VBROADCASTSS beta+32(FP), Y13

axpbyLoop:
	VMULPS  (SI), Y14, Y0
	VMULPS  (DI), Y13, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     axpbyLoop
	VZEROUPPER
	RET

// beta = ±0: y = alpha·x, y not read.
scaleLoop:
	VMULPS  (SI), Y14, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     scaleLoop
	VZEROUPPER
	RET

// func maxIntoAVX2(dst, src []float32)
// VMAXPS Y0, Y1, Y0 is (src > dst) ? src : dst, dst on NaN.
TEXT ·maxIntoAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI

maxIntoLoop:
	VMOVUPS (DI), Y0
	VMOVUPS (SI), Y1
	VMAXPS  Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     maxIntoLoop
	VZEROUPPER
	RET

// func routeMaxAVX2(x, y, dy, dx, pending []float32)
// VCMPPS predicate 0 is EQ_OQ: x == y, false for NaN. The routed mask m = (x == y) AND
// pending adds dy AND m to dx (adding +0 elsewhere) and leaves pending AND NOT m.
TEXT ·routeMaxAVX2(SB), NOSPLIT, $0-120
	MOVQ x_base+0(FP), SI
	MOVQ y_base+24(FP), BX
	MOVQ dy_base+48(FP), R11
	MOVQ dx_base+72(FP), DI
	MOVQ dx_len+80(FP), CX
	MOVQ pending_base+96(FP), R12

routeMaxLoop:
	VMOVUPS (SI), Y0
	VCMPPS  $0, (BX), Y0, Y0
	VANDPS  (R12), Y0, Y0
	VANDPS  (R11), Y0, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	VANDNPS (R12), Y0, Y2
	VMOVUPS Y2, (R12)
	ADDQ    $32, SI
	ADDQ    $32, BX
	ADDQ    $32, R11
	ADDQ    $32, DI
	ADDQ    $32, R12
	SUBQ    $8, CX
	JNZ     routeMaxLoop
	VZEROUPPER
	RET

// The reductions take the columns in blocks of 16 (and a last block of 8), one 64-byte
// line of each row, and walk the rows of a block in order, adding each row's floats,
// converted to float64, into accumulators held in registers: each column is summed in
// row order, and each line of the matrix is read once.
//	DX   rows
//	R8   row stride in bytes
//	CX   columns left
//	SI   top of the current block of columns (x), R12 of dy; AX, R13 walk down the rows
//	BX   rows left in the block
//	DI, R14, R11  the current block's sums and mean (float64)

// Accumulators: Y0-Y3 (columns 0-3, 4-7, 8-11, 12-15 of the block) for the sums, and
// Y4-Y7 for the second sum of sumProducts; the mean is read from memory.
#define SUMZERO16 VXORPD Y0, Y0, Y0; VXORPD Y1, Y1, Y1; VXORPD Y2, Y2, Y2; VXORPD Y3, Y3, Y3
#define SUMZERO8 VXORPD Y0, Y0, Y0; VXORPD Y1, Y1, Y1
#define SUMBODY16 \
	VCVTPS2PD (AX), Y4; VCVTPS2PD 16(AX), Y5; VCVTPS2PD 32(AX), Y6; VCVTPS2PD 48(AX), Y7; \
	VADDPD Y4, Y0, Y0; VADDPD Y5, Y1, Y1; VADDPD Y6, Y2, Y2; VADDPD Y7, Y3, Y3
#define SUMBODY8 \
	VCVTPS2PD (AX), Y4; VCVTPS2PD 16(AX), Y5; VADDPD Y4, Y0, Y0; VADDPD Y5, Y1, Y1
#define SUMSTORE16 \
	VADDPD (DI), Y0, Y0; VADDPD 32(DI), Y1, Y1; VADDPD 64(DI), Y2, Y2; VADDPD 96(DI), Y3, Y3; \
	VMOVUPD Y0, (DI); VMOVUPD Y1, 32(DI); VMOVUPD Y2, 64(DI); VMOVUPD Y3, 96(DI)
#define SUMSTORE8 \
	VADDPD (DI), Y0, Y0; VADDPD 32(DI), Y1, Y1; VMOVUPD Y0, (DI); VMOVUPD Y1, 32(DI)
#define SQUAREBODY16 \
	VCVTPS2PD (AX), Y4; VCVTPS2PD 16(AX), Y5; VCVTPS2PD 32(AX), Y6; VCVTPS2PD 48(AX), Y7; \
	VSUBPD (R11), Y4, Y4; VSUBPD 32(R11), Y5, Y5; VSUBPD 64(R11), Y6, Y6; VSUBPD 96(R11), Y7, Y7; \
	VMULPD Y4, Y4, Y4; VMULPD Y5, Y5, Y5; VMULPD Y6, Y6, Y6; VMULPD Y7, Y7, Y7; \
	VADDPD Y4, Y0, Y0; VADDPD Y5, Y1, Y1; VADDPD Y6, Y2, Y2; VADDPD Y7, Y3, Y3
#define SQUAREBODY8 \
	VCVTPS2PD (AX), Y4; VCVTPS2PD 16(AX), Y5; \
	VSUBPD (R11), Y4, Y4; VSUBPD 32(R11), Y5, Y5; \
	VMULPD Y4, Y4, Y4; VMULPD Y5, Y5, Y5; \
	VADDPD Y4, Y0, Y0; VADDPD Y5, Y1, Y1
#define PRODUCTZERO16 SUMZERO16; VXORPD Y4, Y4, Y4; VXORPD Y5, Y5, Y5; VXORPD Y6, Y6, Y6; VXORPD Y7, Y7, Y7
#define PRODUCTZERO8 SUMZERO8; VXORPD Y4, Y4, Y4; VXORPD Y5, Y5, Y5
#define PRODUCTBODY16 \
	VCVTPS2PD (R13), Y8; VCVTPS2PD 16(R13), Y9; VCVTPS2PD 32(R13), Y10; VCVTPS2PD 48(R13), Y11; \
	VADDPD Y8, Y0, Y0; VADDPD Y9, Y1, Y1; VADDPD Y10, Y2, Y2; VADDPD Y11, Y3, Y3; \
	VCVTPS2PD (AX), Y12; VCVTPS2PD 16(AX), Y13; VCVTPS2PD 32(AX), Y14; VCVTPS2PD 48(AX), Y15; \
	VSUBPD (R11), Y12, Y12; VSUBPD 32(R11), Y13, Y13; VSUBPD 64(R11), Y14, Y14; VSUBPD 96(R11), Y15, Y15; \
	VMULPD Y8, Y12, Y12; VMULPD Y9, Y13, Y13; VMULPD Y10, Y14, Y14; VMULPD Y11, Y15, Y15; \
	VADDPD Y12, Y4, Y4; VADDPD Y13, Y5, Y5; VADDPD Y14, Y6, Y6; VADDPD Y15, Y7, Y7
#define PRODUCTBODY8 \
	VCVTPS2PD (R13), Y8; VCVTPS2PD 16(R13), Y9; \
	VADDPD Y8, Y0, Y0; VADDPD Y9, Y1, Y1; \
	VCVTPS2PD (AX), Y12; VCVTPS2PD 16(AX), Y13; \
	VSUBPD (R11), Y12, Y12; VSUBPD 32(R11), Y13, Y13; \
	VMULPD Y8, Y12, Y12; VMULPD Y9, Y13, Y13; \
	VADDPD Y12, Y4, Y4; VADDPD Y13, Y5, Y5
#define PRODUCTSTORE16 \
	SUMSTORE16; \
	VADDPD (R14), Y4, Y4; VADDPD 32(R14), Y5, Y5; VADDPD 64(R14), Y6, Y6; VADDPD 96(R14), Y7, Y7; \
	VMOVUPD Y4, (R14); VMOVUPD Y5, 32(R14); VMOVUPD Y6, 64(R14); VMOVUPD Y7, 96(R14)
#define PRODUCTSTORE8 \
	SUMSTORE8; \
	VADDPD (R14), Y4, Y4; VADDPD 32(R14), Y5, Y5; VMOVUPD Y4, (R14); VMOVUPD Y5, 32(R14)

// func sumColumnsAVX2(rows, cols, ld int, x []float32, sums []float64)
TEXT ·sumColumnsAVX2(SB), NOSPLIT, $0-72
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), CX
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ SI, R12
	MOVQ sums_base+48(FP), DI
	SUBQ $16, CX
	JL   sumColumnsLast

sumColumnsBlock16:
	SUMZERO16
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

sumColumnsRows16:
	SUMBODY16
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  sumColumnsRows16
	SUMSTORE16
	ADDQ $64, SI; ADDQ $128, DI
	SUBQ $16, CX
	JGE  sumColumnsBlock16

sumColumnsLast:
	ADDQ $16, CX
	JZ   sumColumnsDone
	SUMZERO8
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

sumColumnsRows8:
	SUMBODY8
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  sumColumnsRows8
	SUMSTORE8

sumColumnsDone:
	VZEROUPPER
	RET

// func squaredDeviationsAVX2(rows, cols, ld int, x []float32, mean, sums []float64)
TEXT ·squaredDeviationsAVX2(SB), NOSPLIT, $0-96
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), CX
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ SI, R12
	MOVQ mean_base+48(FP), R11
	MOVQ sums_base+72(FP), DI
	SUBQ $16, CX
	JL   squaredDeviationsLast

squaredDeviationsBlock16:
	SUMZERO16
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

squaredDeviationsRows16:
	SQUAREBODY16
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  squaredDeviationsRows16
	SUMSTORE16
	ADDQ $64, SI; ADDQ $128, R11; ADDQ $128, DI
	SUBQ $16, CX
	JGE  squaredDeviationsBlock16

squaredDeviationsLast:
	ADDQ $16, CX
	JZ   squaredDeviationsDone
	SUMZERO8
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

squaredDeviationsRows8:
	SQUAREBODY8
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  squaredDeviationsRows8
	SUMSTORE8

squaredDeviationsDone:
	VZEROUPPER
	RET

// func sumProductsAVX2(rows, cols, ld int, x, dy []float32, mean, sumDy, sumDyCentered []float64)
TEXT ·sumProductsAVX2(SB), NOSPLIT, $0-144
	MOVQ rows+0(FP), DX
	MOVQ cols+8(FP), CX
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ x_base+24(FP), SI
	MOVQ dy_base+48(FP), R12
	MOVQ mean_base+72(FP), R11
	MOVQ sumDy_base+96(FP), DI
	MOVQ sumDyCentered_base+120(FP), R14
	SUBQ $16, CX
	JL   sumProductsLast

sumProductsBlock16:
	PRODUCTZERO16
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

sumProductsRows16:
	PRODUCTBODY16
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  sumProductsRows16
	PRODUCTSTORE16
	ADDQ $64, SI; ADDQ $64, R12; ADDQ $128, R11; ADDQ $128, DI; ADDQ $128, R14
	SUBQ $16, CX
	JGE  sumProductsBlock16

sumProductsLast:
	ADDQ $16, CX
	JZ   sumProductsDone
	PRODUCTZERO8
	MOVQ SI, AX
	MOVQ R12, R13
	MOVQ DX, BX

sumProductsRows8:
	PRODUCTBODY8
	ADDQ R8, AX
	ADDQ R8, R13
	DECQ BX
	JNZ  sumProductsRows8
	PRODUCTSTORE8

sumProductsDone:
	VZEROUPPER
	RET

// func adamAVX2(s *AdamStep, param, grad, m, v, vhat []float32)
// AdamStep: Alpha 0, Decay 4, OneMinusBeta1 8, OneMinusBeta2 12, Epsilon 16,
// WeightDecay 20, AMSGrad 21.
TEXT ·adamAVX2(SB), NOSPLIT, $0-128
	MOVQ         s+0(FP), AX
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	VBROADCASTSS 8(AX), Y12
	VBROADCASTSS 12(AX), Y13
	VBROADCASTSS 16(AX), Y14
	MOVBLZX      20(AX), R8
	MOVBLZX      21(AX), R9
	MOVQ         param_base+8(FP), DI
	MOVQ         param_len+16(FP), CX
	MOVQ         grad_base+32(FP), SI
	MOVQ         m_base+56(FP), R11
	MOVQ         v_base+80(FP), R12
	MOVQ         vhat_base+104(FP), R13

adamLoop:
	VMOVUPS (DI), Y0 // param
	TESTL   R8, R8
	JZ      adamMoments
	VMULPS  Y11, Y0, Y1
	VSUBPS  Y1, Y0, Y0

adamMoments:
	VMOVUPS (SI), Y1       // g
	VMOVUPS (R11), Y2      // m
	VSUBPS  Y2, Y1, Y3     // g − m
	VMULPS  Y12, Y3, Y3
	VADDPS  Y3, Y2, Y2     // m + (g − m)·(1 − β1)
	VMOVUPS Y2, (R11)
	VMULPS  Y1, Y1, Y3     // g·g
	VMOVUPS (R12), Y4      // v
	VSUBPS  Y4, Y3, Y3
	VMULPS  Y13, Y3, Y3
	VADDPS  Y3, Y4, Y4     // v + (g·g − v)·(1 − β2)
	VMOVUPS Y4, (R12)
	TESTL   R9, R9
	JZ      adamStep
	VMOVUPS (R13), Y5
	VMAXPS  Y5, Y4, Y4     // (v > vhat) ? v : vhat
	VMOVUPS Y4, (R13)
	ADDQ    $32, R13

adamStep:
	VSQRTPS Y4, Y4
	VADDPS  Y14, Y4, Y4
	VMULPS  Y10, Y2, Y2    // alpha·m
	VDIVPS  Y4, Y2, Y2
	VSUBPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R11
	ADDQ    $32, R12
	SUBQ    $8, CX
	JNZ     adamLoop
	VZEROUPPER
	RET

// func sgdAVX2(s *SGDStep, param, grad, velocity []float32)
// SGDStep: LearningRate 0, Momentum 4, Mode 8.
TEXT ·sgdAVX2(SB), NOSPLIT, $0-80
	MOVQ         s+0(FP), AX
	VBROADCASTSS 0(AX), Y10
	VBROADCASTSS 4(AX), Y11
	MOVQ         8(AX), R8
	MOVQ         param_base+8(FP), DI
	MOVQ         param_len+16(FP), CX
	MOVQ         grad_base+32(FP), SI
	MOVQ         velocity_base+56(FP), R11

sgdLoop:
	VMULPS  (SI), Y10, Y1  // lr·g
	VMOVUPS (DI), Y0
	TESTQ   R8, R8
	JNZ     sgdMomentum
	VSUBPS  Y1, Y0, Y0
	JMP     sgdStore

sgdMomentum:
	VMULPS  (R11), Y11, Y2 // μ·velocity
	VSUBPS  Y1, Y2, Y2     // − lr·g
	VMOVUPS Y2, (R11)
	ADDQ    $32, R11
	CMPQ    R8, $2
	JEQ     sgdNesterov
	VADDPS  Y2, Y0, Y0
	JMP     sgdStore

sgdNesterov:
	VMULPS Y11, Y2, Y2     // μ·velocity
	VSUBPS Y1, Y2, Y2      // − lr·g
	VADDPS Y2, Y0, Y0

sgdStore:
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	SUBQ    $8, CX
	JNZ     sgdLoop
	VZEROUPPER
	RET
