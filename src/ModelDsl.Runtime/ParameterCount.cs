namespace ModelDsl;

/// <summary>Parameter counts of a model as Keras' <c>model.summary()</c> reports them.</summary>
public sealed record ParameterCount(long Total, long Trainable, long NonTrainable);
