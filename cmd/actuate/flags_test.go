package main

import "flag"

var update = flag.Bool("update", false, "rewrite the expected output of the scripts in testdata/script")
