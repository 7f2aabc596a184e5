namespace ModelDsl.Generators;

internal static class GeneratorInfo
{
    public const string Name = "ModelDsl.Generators";
}
