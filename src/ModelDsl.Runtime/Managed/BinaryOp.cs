namespace ModelDsl.Managed;

/// <summary>The element-wise binary operations of a model's op graph, for <c>BinarySpans</c> and
/// <c>ScalarSpans</c> (NumPy broadcasting; Maximum and Minimum propagate NaN and split ties as torch does).</summary>
public enum BinaryOp { Add, Subtract, Multiply, Divide, Maximum, Minimum }
