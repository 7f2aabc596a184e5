/// Figures of one seeded run, pinned as the C# lab tests pin theirs (tests/ModelDsl.Labs.Tests/PinnedFigures.cs says
/// how the tolerances were measured): bit-identical on the reference machine, rounding room for CI's.
module ModelDsl.FSharp.Tests.Pinned

open Xunit

/// Every value of actual within relative · |expected| of the pinned one.
let assertClose (relative: float) (name: string) (expected: float seq) (actual: float seq) =
    let expected, actual = Array.ofSeq expected, Array.ofSeq actual
    Assert.True((expected.Length = actual.Length), sprintf "%s: %d values, pinned %d" name actual.Length expected.Length)
    Array.iteri2
        (fun i (e: float) (a: float) ->
            Assert.True(abs (a - e) <= relative * abs e, sprintf "%s[%d] = %.17g, pinned %.17g (±%g relative)" name i a e relative))
        expected actual

/// SGD on the grades contracts: a 1e-7 relative change of the initial weights left the figures bit-identical.
let contracting = 1e-6

/// Adam 0.1 on KO 2018: a 1e-6 relative change of the initial weights moved five epochs' figures of the MLP and the
/// LSTM by under 1e-6; a dropped term in the LSTM's backward moves the LSTM's by 9e-5 (second epoch's loss) to 7e-3.
let stock = 1e-5
