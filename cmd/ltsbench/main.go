// Command ltsbench searches GPT-2 and Transformer-XL architectures without training
// any (LiteTransformerSearch), measuring latency and peak memory on the target device.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }
