using VisionSearch.Testing;
using YamlDotNet.RepresentationModel;

namespace VisionSearch.Cloud.Tests;

/// <summary>cloud/template.yaml parses as YAML with CloudFormation's short-form tags, and holds what the deploy tool's options name.</summary>
public sealed class TemplateTests
{
    [Fact]
    public void The_template_parses_with_its_intrinsic_function_tags_and_outputs_the_bucket_and_role()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(TestFiles.Repository("cloud", "template.yaml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var resources = (YamlMappingNode)root["Resources"];
        Assert.Equal("AWS::S3::Bucket", resources["ModelBucket"]["Type"].ToString());
        Assert.Equal("AWS::IAM::Role", resources["ExecutionRole"]["Type"].ToString());
        var trust = (YamlSequenceNode)resources["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        Assert.Equal("sagemaker.amazonaws.com", trust[0]["Principal"]["Service"].ToString());

        var outputs = (YamlMappingNode)root["Outputs"];
        Assert.Equal(("!Ref", "ModelBucket"), Tagged(outputs["BucketName"]["Value"]));
        Assert.Equal(("!GetAtt", "ExecutionRole.Arn"), Tagged(outputs["RoleArn"]["Value"]));

        // Every !Ref and !Sub variable names a parameter or a resource of this template.
        var names = ((YamlMappingNode)root["Parameters"]).Children.Keys.Concat(resources.Children.Keys).Select(k => k.ToString()).ToHashSet();
        foreach (var node in yaml.Documents[0].AllNodes.OfType<YamlScalarNode>().Where(n => !n.Tag.IsEmpty))
        {
            var references = node.Tag.Value switch
            {
                "!Ref" or "!GetAtt" => [node.Value!.Split('.')[0]],
                "!Sub" => System.Text.RegularExpressions.Regex.Matches(node.Value!, @"\$\{([A-Za-z0-9]+)").Select(m => m.Groups[1].Value),
                _ => throw new InvalidDataException($"Unexpected tag {node.Tag} in the template."),
            };
            Assert.All(references, r => Assert.Contains(r, names));
        }
    }

    private static (string Tag, string Value) Tagged(YamlNode node) => (node.Tag.Value, ((YamlScalarNode)node).Value!);
}
