using ModelDsl.Labs;

return LabRunner.Main(args, Console.Out, Console.Error);
