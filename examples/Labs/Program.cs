using ModelDsl.Labs;

return LabRunner.Execute(args, Console.Out, Console.Error);
