global using Kt.TestSupport;
