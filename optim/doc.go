// Package optim holds gotl's optimizers, with tf.keras 2.x's defaults and update
// equations (KERAS.md §4). Each implements nn.Optimizer and runs its update on the
// variables' backend.
package optim
