"""The example client of the integration guide, copied verbatim (it is the contract).

Only the code above its "# Usage" section is kept; the tests drive it as the guide's usage does.
"""

# ruff: noqa
# mypy: ignore-errors
import requests
import time

class Sora2Client:
    def __init__(self, base_url, username, password):
        self.base_url = base_url
        self.token = None
        self.login(username, password)
    
    def login(self, username, password):
        """Authenticate and get JWT token"""
        response = requests.post(
            f"{self.base_url}/api/auth/login",
            json={"username": username, "password": password}
        )
        response.raise_for_status()
        self.token = response.json()["token"]
    
    def headers(self):
        """Get headers with auth token"""
        return {"Authorization": f"Bearer {self.token}"}
    
    def create_video(self, prompt, model="sora-2", size="1280x720", seconds="8"):
        """Create a new video"""
        data = {
            "prompt": prompt,
            "model": model,
            "size": size,
            "seconds": seconds
        }
        response = requests.post(
            f"{self.base_url}/api/videos",
            headers=self.headers(),
            data=data
        )
        response.raise_for_status()
        return response.json()
    
    def get_video_status(self, video_id):
        """Get video status"""
        response = requests.get(
            f"{self.base_url}/api/videos/{video_id}",
            headers=self.headers()
        )
        response.raise_for_status()
        return response.json()
    
    def wait_for_completion(self, video_id, poll_interval=5):
        """Poll until video is complete"""
        while True:
            video = self.get_video_status(video_id)
            status = video["status"]
            progress = video.get("progress", 0)
            
            print(f"Status: {status}, Progress: {progress}%")
            
            if status == "completed":
                return video
            elif status == "failed":
                raise Exception(f"Video failed: {video.get('error_message')}")
            
            time.sleep(poll_interval)
    
    def download_video(self, video_id, output_path):
        """Download completed video"""
        response = requests.get(
            f"{self.base_url}/api/videos/{video_id}/content",
            headers=self.headers(),
            stream=True
        )
        response.raise_for_status()
        
        with open(output_path, "wb") as f:
            for chunk in response.iter_content(chunk_size=8192):
                f.write(chunk)
