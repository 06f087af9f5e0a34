using SharpBpf.Examples.Skeleton;

FlowDemo.Run(Console.Out);
