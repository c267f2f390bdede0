package lidarseg

// syntheticSweep is SyntheticSweep, under the name the tests use.
var syntheticSweep = SyntheticSweep
