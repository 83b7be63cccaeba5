// Package optim holds gotl's optimizers: SGD, Adam and RMSprop with tf.keras 2.x's defaults
// and update equations (KERAS.md §4, tf.keras OptimizerV2 of TF 2.0–2.10 and the kernels of
// TensorFlow's training_ops.cc), learning-rate schedules, gradient clipping and, beyond
// Keras 2, decoupled weight decay for Adam (AdamW). Each optimizer implements
// nn.StatefulOptimizer and runs its update on the variables' backend.
//
// # Options
//
// Each optimizer takes a config struct whose zero value is the tf.keras default. A float
// option whose Keras default is not zero (LearningRate, Beta1, Beta2, Epsilon, Rho) takes
// the default when left at 0; set it to nn.Zero to ask for exactly 0 (Adam with β1 = 0, as
// GANs use it). Every option has one spelling: there is no legacy lr alias and no decay
// argument (KERAS.md §9.12); Keras's decay=d is the schedule InverseTimeDecay{lr, 1, d}.
// Invalid options are errors that name the optimizer, the field, the value and the rule.
//
// # Learning rate
//
// The learning rate is held as a float32, as Keras's lr variable is, so LearningRate reads
// back float64(float32(x)) and callbacks print the digits Keras prints (ReduceLROnPlateau
// reducing 0.001 by 0.1 prints 0.00010000000474974513). With a Schedule the rate of each
// update is schedule(iterations), iterations being the number of updates done before it
// (Keras's _decayed_lr). SetLearningRate replaces a schedule by a constant rate; the
// callbacks that set the rate refuse an optimizer with a schedule (Scheduled reports it),
// as Keras fails on one.
//
// # Gradients
//
// Before an update the gradients are clipped as Keras 2.x does, in this order: ClipValue
// clamps every value to [−c, c]; ClipNorm rescales each variable's gradient g to
// g·c/max(‖g‖, c); GlobalClipNorm rescales all of them by c/max(‖G‖, c), ‖G‖ being the L2
// norm of all gradients together (a NaN or infinite ‖G‖ makes every gradient NaN, as
// tf.clip_by_global_norm does). ClipNorm and GlobalClipNorm exclude each other. Clipping by
// value rewrites Variable.Grad in place; norm clipping writes the rescaled gradient to a
// buffer of the optimizer.
//
// # State
//
// Slots (Keras's optimizer weights) are created at zero on a variable's first update and
// named as Keras names them: SGD "momentum"; Adam "m", "v" and, with AMSGrad, "vhat";
// RMSprop "rms" and, when used, "momentum" and "mg". State and SetState copy the slots,
// the update count and the learning rate to and from host memory (float32), which
// checkpoints use (see nn.FitConfig.Resume).
package optim
