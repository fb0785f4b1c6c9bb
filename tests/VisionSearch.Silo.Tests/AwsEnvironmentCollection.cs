namespace VisionSearch.Silo.Tests;

/// <summary>
/// The test classes that put AWS credentials in the process's environment (the silo reads them through the default
/// chain): one at a time, since one class restoring the variables would take them from another's running build.
/// </summary>
[CollectionDefinition(nameof(AwsEnvironmentCollection))]
public sealed class AwsEnvironmentCollection;
