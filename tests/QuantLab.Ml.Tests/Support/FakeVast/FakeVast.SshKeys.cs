using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantLab.Ml.Tests.Support.FakeVast;

/// <summary>SSH keys on the fake (POST /api/v0/instances/{id}/ssh/), refused while an instance loads as Vast does.</summary>
public sealed partial class FakeVast
{
    private Task AttachKeyAsync(HttpContext ctx, long id, JsonObject? body)
    {
        var key = body?["ssh_key"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        lock (gate)
        {
            if (!instances.TryGetValue(id, out var i) || i.Destroyed)
            {
                return WriteJson(ctx, 404, Error("no_such_instance", $"Instance {id} not found."));
            }

            if (string.IsNullOrWhiteSpace(key))
            {
                return WriteJson(ctx, 400, Error("no_ssh_key", "ssh_key is required"));
            }

            if (RefuseNextKeys > 0)
            {
                RefuseNextKeys--;
                return WriteJson(ctx, 400, Error("invalid_state", $"instance {id} is not ready for ssh keys yet"));
            }

            if (RefuseKeysUntilRunning && i.Current.Status != "running")
            {
                return WriteJson(ctx, 400, Error("invalid_state", $"instance {id} is {i.Current.Status ?? "not started"}; ssh keys can be added once it is running"));
            }

            i.SshKeys.Add(key);
            if (AuthorizedKeysFile is { } file)
            {
                // What Vast does on the box: the key is authorized for root, here on the loopback sshd.
                File.AppendAllText(file, key.Trim() + "\n");
            }
        }

        return WriteJson(ctx, 200, new JsonObject { ["success"] = true, ["msg"] = "ssh key added to instance" });
    }
}
