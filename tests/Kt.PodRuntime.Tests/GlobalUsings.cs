global using Kt.Core;
global using Kt.PodRuntime.Client;
global using Kt.PodRuntime.Tests.Support;
global using Kt.PodRuntime.Protocol;
