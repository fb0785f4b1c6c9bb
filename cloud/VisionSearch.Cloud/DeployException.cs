namespace VisionSearch.Cloud;

/// <summary>A deployment that did not end InService; the message says why (SageMaker's FailureReason when it gave one).</summary>
public sealed class DeployException : Exception
{
    public DeployException()
    {
    }

    public DeployException(string message)
        : base(message)
    {
    }

    public DeployException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
