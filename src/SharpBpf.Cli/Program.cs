return SharpBpf.Cli.CliApp.Run(args);
