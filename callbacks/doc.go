// Package callbacks holds Keras's training callbacks for nn.Model.Fit: EarlyStopping,
// ModelCheckpoint, ReduceLROnPlateau, CSVLogger, TerminateOnNaN and LearningRateScheduler
// (History is nn.History, which Fit returns). Their decisions follow tf.keras 2.8
// (keras/callbacks.py at v2.8.0; KERAS.md §5) step by step, and their messages are Keras
// 2.8's, written to nn.Training.Out (Fit's Output).
//
// # Options
//
// Each callback takes a config struct whose zero value is Keras's default. A float option
// whose Keras default is not zero (ReduceLROnPlateau's Factor and MinDelta) takes the default
// when left at 0; set it to nn.Zero to ask for exactly 0. Invalid options are errors that name
// the callback, the field, the value and the rule.
//
// # Monitors
//
// EarlyStopping, ModelCheckpoint (with SaveBestOnly) and ReduceLROnPlateau watch one log
// key, their Monitor (default "val_loss"), through one helper. Two rules differ from Keras:
//
//   - A Monitor that names no key of the epoch logs (nn.Training.LogKeys, plus keys callbacks
//     earlier in the list add, such as ReduceLROnPlateau's "lr") is an error when Fit
//     starts, listing the keys there are. Keras only warns, every epoch, and the callback
//     never acts (the acc/accuracy renaming trap, KERAS.md §9.9). An epoch whose logs lack
//     the key (validation skipped by ValidationFreq) is skipped, as in Keras.
//   - ModeAuto resolves the same way for all three: ModeMax when the key ends in "acc",
//     "accuracy" or "auc", else ModeMin (EarlyStopping's rule in Keras 2.8). Keras's
//     ModelCheckpoint and ReduceLROnPlateau use "'acc' in monitor" instead, which differs
//     for keys such as "val_auc" (min there).
//
// MinDelta comparisons reproduce each Keras callback's arithmetic, which rounds differently
// at the boundary: EarlyStopping tests current ∓ δ against the best value,
// ReduceLROnPlateau the current value against best ± δ.
//
// # Checkpoints and resuming
//
// ModelCheckpoint writes checkpoints (weights, optimizer state, position, dropout stream
// and the state of every nn.StatefulCallback of the Fit) from which nn.FitConfig.Resume
// goes on exactly. EarlyStopping (including its best weights), ModelCheckpoint and
// ReduceLROnPlateau are stateful; the others keep nothing that a resumed run needs (use
// CSVLogger's Append to go on with the same file).
package callbacks
