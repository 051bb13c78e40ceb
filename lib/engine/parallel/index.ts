// placeholder, replaced below
import * as tf from "@tensorflow/tfjs";
import type { Engine } from "../../train/train";
import type { Task } from "../../train/task";
export interface ParallelOptions { task: Task; x: tf.Tensor; y: tf.Tensor; batchSize: number; seed: number; workers: number; optimizer: tf.Optimizer; shouldStop: () => boolean }
export async function createParallelEngine(_o: ParallelOptions): Promise<Engine> { throw new Error("not yet"); }
